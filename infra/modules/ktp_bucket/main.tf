# The bucket holding identity-card (KTP) images: the most sensitive data the service stores.
# Private, uniform access, public access prevention enforced, browser PUT only from the site's
# origin, no versions or soft-deleted copies (a deleted KTP is gone), and deletion by age.

variable "project_id" {
  type = string
}

variable "name" {
  type = string
}

variable "location" {
  type = string
}

variable "site_origin" {
  description = "The one origin (scheme://host) allowed to PUT uploads from a browser."
  type        = string

  validation {
    condition     = can(regex("^https://[a-z0-9.-]+$", var.site_origin))
    error_message = "site_origin must be https://host, without a path or wildcard."
  }
}

variable "retention_days" {
  description = "Age at which every object is deleted (UU 27/2022: no longer than the purpose needs)."
  type        = number
}

variable "upload_retention_days" {
  description = "Age at which a browser upload that was never checked (and so never deleted by ktp_uploaded) is deleted."
  type        = number
  default     = 1
}

variable "upload_extensions" {
  description = "File extensions of browser uploads (the code's KtpContentType extensions)."
  type        = list(string)
  default     = ["jpg", "png", "pdf"]
}

variable "upload_attempts_covered" {
  description = "Upload attempts per request the 1-day rule names explicitly; later attempts fall back to retention_days."
  type        = number
  default     = 10
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket with its objects (teardown only)."
  type        = bool
  default     = false
}

locals {
  # Browser uploads are `ktp/{request_id}/upload-{attempt}.{ext}` and checked copies
  # `ktp/{request_id}/verified-{attempt}.{ext}`: one prefix for both, so the short rule for
  # uploads names their suffixes. (A separate upload prefix in the code would make this one rule.)
  upload_suffixes = flatten([
    for attempt in range(1, var.upload_attempts_covered + 1) : [
      for ext in var.upload_extensions : "/upload-${attempt}.${ext}"
    ]
  ])
}

resource "google_storage_bucket" "this" {
  #checkov:skip=CKV_GCP_78:Versioning is off on purpose: a deleted KTP must be gone, not kept as a noncurrent version.
  #checkov:skip=CKV_GCP_62:Access is recorded by Data Access audit logs (storage DATA_READ/DATA_WRITE, see remisi/audit.tf); usage logs would need another bucket of object names.
  project                     = var.project_id
  name                        = var.name
  location                    = var.location
  storage_class               = "STANDARD"
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = var.force_destroy

  versioning {
    enabled = false
  }

  # Soft delete would keep deleted KTPs restorable for 7 days by default.
  soft_delete_policy {
    retention_duration_seconds = 0
  }

  # The browser uploads with a V4 signed PUT and exactly these two headers.
  cors {
    origin          = [var.site_origin]
    method          = ["PUT"]
    response_header = ["Content-Type", "x-goog-content-length-range"]
    max_age_seconds = 3600
  }

  lifecycle_rule {
    condition {
      age = var.retention_days
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age            = var.upload_retention_days
      matches_prefix = ["ktp/"]
      matches_suffix = local.upload_suffixes
    }
    action {
      type = "Delete"
    }
  }

  lifecycle_rule {
    condition {
      age = 1
    }
    action {
      type = "AbortIncompleteMultipartUpload"
    }
  }
}

output "name" {
  value = google_storage_bucket.this.name
}
