module "frontend" {
  source               = "../https_frontend"
  project_id           = var.project_id
  name_prefix          = local.name
  domain               = var.domain
  site_bucket_name     = "${var.project_id}-site"
  site_bucket_location = var.region
  force_destroy_site   = !var.deletion_protection

  # The site built for this environment (its CSP allows no local host); the module refuses a
  # missing or local build: .venv/bin/python -m shared.site_files --environment ENV
  # --require-office --out infra/environments/ENV/.build/site
  site_dir = "${path.root}/.build/site"
  # Equal to shared/security_headers.py SITE_HEADERS (tests/infra/test_security_headers.py);
  # the gateway serves the local site with the same.
  site_response_headers = {
    "Strict-Transport-Security"  = "max-age=63072000; includeSubDomains"
    "X-Content-Type-Options"     = "nosniff"
    "Referrer-Policy"            = "no-referrer"
    "Permissions-Policy"         = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
    "Content-Security-Policy"    = "frame-ancestors 'none'; object-src 'none'; base-uri 'none'; form-action 'self'"
    "X-Frame-Options"            = "DENY"
    "Cross-Origin-Opener-Policy" = "same-origin"
  }

  # Public functions by path.
  api_backends = {
    "/api/submit"   = { service = module.function["submit"].service, region = var.region }
    "/api/status"   = { service = module.function["status"].service, region = var.region }
    "/api/reupload" = { service = module.function["reupload"].service, region = var.region }
    # The complaint form (pengaduan).
    "/api/complaint" = { service = module.function["complaint"].service, region = var.region }
    # The status page's request about one's personal data.
    "/api/privacy_request" = { service = module.function["privacy_request"].service, region = var.region }
    # The satisfaction survey: the link's check, its answers, the published figures.
    "/api/survey" = { service = module.function["survey"].service, region = var.region }
    # The operator page and its sub-paths; its own sign-in (password + TOTP) guards it.
    "/api/operator/*" = { service = module.function["operator"].service, region = var.region }
    # Providers' delivery webhooks; each request is verified by its signature.
    "/api/sendgrid_events"  = { service = module.function["sendgrid_events"].service, region = var.region }
    "/api/whatsapp_webhook" = { service = module.function["whatsapp_webhook"].service, region = var.region }
  }

  # Cloud Armor, per client IP, on every API backend.
  rate_limits = {
    submit   = { priority = 1000, path = "/api/submit", count = var.submit_requests_per_minute, interval_seconds = 60 }
    status   = { priority = 1100, path = "/api/status", count = var.status_requests_per_minute, interval_seconds = 60 }
    reupload = { priority = 1200, path = "/api/reupload", count = var.status_requests_per_minute, interval_seconds = 60 }
    # A person files one complaint or two; the function counts per client too.
    complaint = { priority = 1250, path = "/api/complaint", count = var.submit_requests_per_minute, interval_seconds = 60 }
    # A person asks about their data once or twice; the function counts wrong pairs too.
    privacy_request = { priority = 1260, path = "/api/privacy_request", count = var.submit_requests_per_minute, interval_seconds = 60 }
    # A link is answered once; the check and the results page are a few reads each.
    survey   = { priority = 1220, path = "/api/survey", count = var.status_requests_per_minute, interval_seconds = 60 }
    operator = { priority = 1300, path = "/api/operator/login", count = 30, interval_seconds = 60 }
  }

  depends_on = [module.services]
}
