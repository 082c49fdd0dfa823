variable "project_id" {
  type = string
}

variable "name_prefix" {
  type = string
}

variable "domain" {
  description = "The public host name (the QR code points here); its DNS A record must point at the output address."
  type        = string
}

variable "site_bucket_name" {
  type = string
}

variable "site_bucket_location" {
  type = string
}

variable "site_dir" {
  description = "Directory of the static site uploaded to the site bucket: a build for this environment (python -m shared.site_files --environment ENV --out DIR)."
  type        = string

  # fileset() of a missing directory is empty: a plan would delete the whole site.
  validation {
    condition     = fileexists("${var.site_dir}/index.html")
    error_message = "No site build in site_dir: run .venv/bin/python -m shared.site_files --environment ENV --require-office --out infra/environments/ENV/.build/site first."
  }

  # The committed static_site/ is the local build: its pages may upload to the local stack.
  validation {
    condition     = !strcontains(try(file("${var.site_dir}/index.html"), ""), "127.0.0.1")
    error_message = "site_dir holds the local build (its CSP allows 127.0.0.1): build the site with --environment staging or production."
  }
}

variable "site_response_headers" {
  description = "Headers the load balancer adds to every answer of the site bucket (shared/security_headers.py SITE_HEADERS; tests/infra holds them equal)."
  type        = map(string)
}

variable "api_backends" {
  description = "Public functions by path (e.g. /api/submit => {service, region}); each gets a serverless NEG and the Cloud Armor policy."
  type = map(object({
    service = string
    region  = string
  }))
}

variable "rate_limits" {
  description = "Per-IP limits by request path prefix, enforced by Cloud Armor on every API backend."
  type = map(object({
    priority         = number
    path             = string
    count            = number
    interval_seconds = number
  }))
}

variable "enable_cdn" {
  type    = bool
  default = true
}

variable "force_destroy_site" {
  type    = bool
  default = false
}
