# One public origin: https://DOMAIN/ serves the static site from a bucket and /api/... the
# public functions, behind a Google-managed certificate and a Cloud Armor policy.

locals {
  content_types = {
    html  = "text/html; charset=utf-8"
    css   = "text/css; charset=utf-8"
    js    = "text/javascript; charset=utf-8"
    mjs   = "text/javascript; charset=utf-8"
    json  = "application/json"
    svg   = "image/svg+xml"
    png   = "image/png"
    jpg   = "image/jpeg"
    ico   = "image/x-icon"
    webp  = "image/webp"
    woff2 = "font/woff2"
    txt   = "text/plain; charset=utf-8"
    pdf   = "application/pdf"
  }
  site_files = fileset(var.site_dir, "**")
}

# --- static site ------------------------------------------------------------------------------

resource "google_storage_bucket" "site" {
  #checkov:skip=CKV_GCP_114:The public static site (form page, scripts, styles); no personal data is ever written here.
  #checkov:skip=CKV_GCP_62:Requests are logged by the load balancer (log_config on its backends), not by bucket usage logs.
  project                     = var.project_id
  name                        = var.site_bucket_name
  location                    = var.site_bucket_location
  uniform_bucket_level_access = true
  public_access_prevention    = "inherited"
  force_destroy               = var.force_destroy_site

  versioning {
    enabled = true
  }

  website {
    main_page_suffix = "index.html"
    not_found_page   = "index.html"
  }

  lifecycle_rule {
    condition {
      num_newer_versions = 5
      with_state         = "ARCHIVED"
    }
    action {
      type = "Delete"
    }
  }
}

# A backend bucket reads objects anonymously: the site bucket must be world-readable.
resource "google_storage_bucket_iam_member" "site_public" {
  #checkov:skip=CKV_GCP_28:The static site is public by design; personal data lives in other, private buckets.
  bucket = google_storage_bucket.site.name
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}

resource "google_storage_bucket_object" "site" {
  for_each = local.site_files

  bucket         = google_storage_bucket.site.name
  name           = each.value
  source         = "${var.site_dir}/${each.value}"
  content_type   = lookup(local.content_types, lower(element(split(".", each.value), length(split(".", each.value)) - 1)), "application/octet-stream")
  cache_control  = endswith(each.value, ".html") ? "no-cache" : "public, max-age=3600"
  detect_md5hash = filemd5("${var.site_dir}/${each.value}")
}

resource "google_compute_backend_bucket" "site" {
  project     = var.project_id
  name        = "${var.name_prefix}-site"
  bucket_name = google_storage_bucket.site.name
  enable_cdn  = var.enable_cdn

  # Object metadata cannot carry these (HSTS, the CSP header with frame-ancestors): the load
  # balancer adds them to every answer of the bucket, 404s included.
  custom_response_headers = [for name, value in var.site_response_headers : "${name}: ${value}"]
}

# --- API: serverless NEGs for the public functions ---------------------------------------------

resource "google_compute_region_network_endpoint_group" "api" {
  for_each = var.api_backends

  project               = var.project_id
  name                  = "${var.name_prefix}-${each.value.service}"
  region                = each.value.region
  network_endpoint_type = "SERVERLESS"

  # A 2nd gen function is a Cloud Run service of the same name.
  cloud_run {
    service = each.value.service
  }
}

resource "google_compute_backend_service" "api" {
  for_each = var.api_backends

  project               = var.project_id
  name                  = "${var.name_prefix}-${each.value.service}"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  protocol              = "HTTPS"
  security_policy       = google_compute_security_policy.api.id

  backend {
    group = google_compute_region_network_endpoint_group.api[each.key].id
  }

  log_config {
    enable      = true
    sample_rate = 1.0
  }
}

# --- Cloud Armor -------------------------------------------------------------------------------

resource "google_compute_security_policy" "api" {
  project     = var.project_id
  name        = "${var.name_prefix}-api"
  description = "Per-IP rate limits on the public API paths."
  type        = "CLOUD_ARMOR"

  dynamic "rule" {
    for_each = var.rate_limits
    content {
      priority    = rule.value.priority
      action      = "throttle"
      description = "per-IP limit on ${rule.value.path} (${rule.key})"

      match {
        expr {
          expression = "request.path.startsWith('${rule.value.path}')"
        }
      }

      rate_limit_options {
        conform_action = "allow"
        exceed_action  = "deny(429)"
        enforce_on_key = "IP"

        rate_limit_threshold {
          count        = rule.value.count
          interval_sec = rule.value.interval_seconds
        }
      }
    }
  }

  # Log4Shell probes (CKV_GCP_73): cheap to refuse at the edge.
  rule {
    priority    = 900
    action      = "deny(403)"
    description = "CVE-2021-44228 / CVE-2021-45046 probes"

    match {
      expr {
        expression = "evaluatePreconfiguredExpr('cve-canary')"
      }
    }
  }

  rule {
    priority    = 2147483647
    action      = "allow"
    description = "default: allow"

    match {
      versioned_expr = "SRC_IPS_V1"
      config {
        src_ip_ranges = ["*"]
      }
    }
  }
}

# --- routing, certificate, TLS -----------------------------------------------------------------

resource "google_compute_global_address" "this" {
  project = var.project_id
  name    = "${var.name_prefix}-ip"
}

resource "google_compute_managed_ssl_certificate" "this" {
  project = var.project_id
  name    = "${var.name_prefix}-cert"

  managed {
    domains = [var.domain]
  }
}

resource "google_compute_ssl_policy" "this" {
  project         = var.project_id
  name            = "${var.name_prefix}-tls"
  profile         = "RESTRICTED"
  min_tls_version = "TLS_1_2"
}

resource "google_compute_url_map" "https" {
  project         = var.project_id
  name            = "${var.name_prefix}-https"
  default_service = google_compute_backend_bucket.site.id

  host_rule {
    hosts        = [var.domain]
    path_matcher = "site"
  }

  path_matcher {
    name            = "site"
    default_service = google_compute_backend_bucket.site.id

    dynamic "path_rule" {
      for_each = var.api_backends
      content {
        paths   = [path_rule.key]
        service = google_compute_backend_service.api[path_rule.key].id
      }
    }
  }
}

resource "google_compute_target_https_proxy" "this" {
  project          = var.project_id
  name             = "${var.name_prefix}-https"
  url_map          = google_compute_url_map.https.id
  ssl_certificates = [google_compute_managed_ssl_certificate.this.id]
  ssl_policy       = google_compute_ssl_policy.this.id
}

resource "google_compute_global_forwarding_rule" "https" {
  project               = var.project_id
  name                  = "${var.name_prefix}-https"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.this.id
  port_range            = "443"
  target                = google_compute_target_https_proxy.this.id
}

# Plain HTTP only redirects to HTTPS (the QR code may be typed without https://).
resource "google_compute_url_map" "redirect" {
  project = var.project_id
  name    = "${var.name_prefix}-redirect"

  default_url_redirect {
    https_redirect         = true
    redirect_response_code = "MOVED_PERMANENTLY_DEFAULT"
    strip_query            = false
  }
}

resource "google_compute_target_http_proxy" "redirect" {
  project = var.project_id
  name    = "${var.name_prefix}-redirect"
  url_map = google_compute_url_map.redirect.id
}

resource "google_compute_global_forwarding_rule" "http" {
  project               = var.project_id
  name                  = "${var.name_prefix}-http"
  load_balancing_scheme = "EXTERNAL_MANAGED"
  ip_address            = google_compute_global_address.this.id
  port_range            = "80"
  target                = google_compute_target_http_proxy.redirect.id
}
