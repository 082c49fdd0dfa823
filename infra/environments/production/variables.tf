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
