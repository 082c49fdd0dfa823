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
  description = "Directory of the static site uploaded to the site bucket."
  type        = string
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
