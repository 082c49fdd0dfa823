variable "project_id" {
  description = "One project per environment (staging, production)."
  type        = string
}

variable "environment" {
  description = "staging or production; used in names and labels."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment is staging or production."
  }
}

variable "region" {
  description = "Region of every regional resource; Jakarta keeps personal data in Indonesia."
  type        = string
  default     = "asia-southeast2"
}

variable "domain" {
  description = "Public host name of the service (the QR code's link), e.g. remisi.example.go.id."
  type        = string
}

variable "alert_emails" {
  type = list(string)
}

variable "billing_account" {
  type = string
}

variable "budget_amount" {
  type = number
}

variable "budget_currency" {
  type    = string
  default = "IDR"
}

variable "retention_days" {
  description = "Days after which every KTP object is deleted (the bucket's backstop); matches KTP_MAX_DAYS in shared.config, which the retention function applies."
  type        = number
  default     = 90
}

variable "sdp_snapshot_bucket_name" {
  description = "Bucket of imported SDP snapshots (the SDP directory's index objects), readable by sdp-lookup only. Default: PROJECT-sdp-snapshots."
  type        = string
  default     = null
}

variable "submit_requests_per_minute" {
  description = "Per-IP limit on /api/submit. Mobile carriers put many phones behind one IP (CGNAT): keep it generous."
  type        = number
  default     = 30
}

variable "status_requests_per_minute" {
  description = "Per-IP limit on /api/status (tracking-code lookups): low enough to make guessing codes pointless."
  type        = number
  default     = 20
}

variable "submit_max_instances" {
  description = "Upper bound for the form's surge days (17 August, religious holidays)."
  type        = number
  default     = 20
}

variable "malware_scanner_image" {
  description = "The malware scanner's image (infra/malware_scanner/Dockerfile), pinned by digest; null: the `stable` tag of its repository."
  type        = string
  default     = null
}

variable "deletion_protection" {
  description = "Protect Firestore and refuse to delete non-empty buckets on destroy. Turn off only to tear down."
  type        = bool
  default     = true
}

variable "firestore_point_in_time_recovery" {
  type    = bool
  default = false
}

variable "office_name" {
  description = "Office name that signs operators' answers (OFFICE_NAME), e.g. Kanwil Ditjenpas Banten."
  type        = string
  default     = "Kantor Wilayah Direktorat Jenderal Pemasyarakatan Banten"
}

variable "email_from" {
  description = "Sender address of the emails to requesters (EMAIL_FROM); a domain authenticated in SendGrid."
  type        = string
}

variable "whatsapp_phone_number_id" {
  description = "WhatsApp Business phone number id; empty: operators send WhatsApp messages by click-to-chat links."
  type        = string
  default     = ""
}

variable "sendgrid_webhook_public_key" {
  description = "SendGrid Event Webhook verification key (base64), from the webhook's security settings."
  type        = string
}

variable "operator_alert_email" {
  description = "Address told when a message fails on both channels (optional)."
  type        = string
  default     = ""
}
