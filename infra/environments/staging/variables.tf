variable "project_id" {
  type = string
}

variable "region" {
  type    = string
  default = "asia-southeast2"
}

variable "domain" {
  type = string
}

variable "alert_emails" {
  type = list(string)
}

variable "billing_account" {
  type = string
}

variable "budget_amount" {
  description = "Monthly budget in budget_currency."
  type        = number
}

variable "budget_currency" {
  type    = string
  default = "IDR"
}

variable "email_from" {
  description = "Sender address of emails to requesters (authenticated in SendGrid)."
  type        = string
}

variable "sendgrid_webhook_public_key" {
  description = "SendGrid Event Webhook verification key (base64)."
  type        = string
}

variable "whatsapp_phone_number_id" {
  description = "WhatsApp Business phone number id; empty for the manual click-to-chat fallback."
  type        = string
  default     = ""
}

variable "operator_alert_email" {
  description = "Address told when a message fails on both channels (optional)."
  type        = string
  default     = ""
}
