module "remisi" {
  source = "../../modules/remisi"

  environment     = "staging"
  project_id      = var.project_id
  region          = var.region
  domain          = var.domain
  alert_emails    = var.alert_emails
  billing_account = var.billing_account
  budget_amount   = var.budget_amount
  budget_currency = var.budget_currency

  email_from                  = var.email_from
  sendgrid_webhook_public_key = var.sendgrid_webhook_public_key
  whatsapp_phone_number_id    = var.whatsapp_phone_number_id
  operator_alert_email        = var.operator_alert_email

  # Staging holds test data only and is torn down and rebuilt freely.
  deletion_protection  = false
  submit_max_instances = 3
}
