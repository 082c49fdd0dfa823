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

  deletion_protection  = true
  submit_max_instances = 20
}
