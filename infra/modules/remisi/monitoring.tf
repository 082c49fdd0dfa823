module "monitoring" {
  source      = "../monitoring"
  project_id  = var.project_id
  name_prefix = local.name

  alert_emails      = var.alert_emails
  function_services = [module.function["submit"].service, module.function["ktp_uploaded"].service, module.function["sdp_lookup"].service]
  queues            = [module.sdp_lookup_queue.name, module.dispatch_queue.name]

  billing_account = var.billing_account
  budget_amount   = var.budget_amount
  budget_currency = var.budget_currency

  depends_on = [module.services]
}
