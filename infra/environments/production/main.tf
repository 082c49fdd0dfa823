module "remisi" {
  source = "../../modules/remisi"

  environment     = "production"
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

  deletion_protection  = true
  submit_max_instances = 20
}
