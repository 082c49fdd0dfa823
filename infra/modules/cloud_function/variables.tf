# Optional inputs are non-nullable: a caller passing null (functions.tf, for a row without the
# field) gets the default below.

variable "project_id" {
  type = string
}

variable "region" {
  type = string
}

variable "name" {
  description = "Function (and Cloud Run service) name: lowercase letters, digits, hyphens."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,48}[a-z0-9]$", var.name))
    error_message = "Function names are lowercase letters, digits and hyphens."
  }
}

variable "entry_point" {
  description = "Python function in main.py."
  type        = string
}

variable "description" {
  type     = string
  default  = ""
  nullable = false
}

variable "source_bucket" {
  type = string
}

variable "source_object" {
  type = string
}

variable "build_service_account" {
  description = "Full resource name (projects/P/serviceAccounts/EMAIL) Cloud Build runs the build as."
  type        = string
}

variable "service_account_email" {
  description = "The function's own runtime identity."
  type        = string
}

variable "environment" {
  description = "Settings every function gets (the cloud-required rows of shared.config.SETTINGS)."
  type        = map(string)
}

variable "extra_environment" {
  description = "Settings only this function reads."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "secrets" {
  description = "Environment variable name => Secret Manager secret id; the runtime account gets secretAccessor on exactly these."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "public" {
  description = "Reached through the HTTPS load balancer by anyone (ingress: internal + load balancer; anyone may invoke)."
  type        = bool
  default     = false
  nullable    = false
}

variable "invoker_members" {
  description = "IAM members allowed to invoke a non-public function (e.g. the Cloud Tasks OIDC account)."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "event_trigger" {
  description = "Eventarc trigger: event type, exact-match filters, and the account the trigger invokes with."
  type = object({
    event_type            = string
    filters               = map(string)
    service_account_email = string
  })
  default = null
}

variable "expected_url" {
  description = "The URL other settings already carry (e.g. SDP_LOOKUP_URL); apply fails if the deployed URL differs."
  type        = string
  default     = null
}

variable "schedules" {
  description = "Cloud Scheduler jobs calling this function with an OIDC token of scheduler_service_account."
  type = map(object({
    schedule  = string
    time_zone = string
    body      = string
  }))
  default  = {}
  nullable = false
}

variable "scheduler_service_account" {
  type    = string
  default = null
}

variable "memory" {
  type     = string
  default  = "256Mi"
  nullable = false
}

variable "cpu" {
  type     = string
  default  = "0.167"
  nullable = false
}

variable "timeout_seconds" {
  type     = number
  default  = 60
  nullable = false
}

variable "max_instances" {
  type     = number
  default  = 10
  nullable = false
}

variable "min_instances" {
  type     = number
  default  = 0
  nullable = false
}

variable "labels" {
  type     = map(string)
  default  = {}
  nullable = false
}
