module "frontend" {
  source               = "../https_frontend"
  project_id           = var.project_id
  name_prefix          = local.name
  domain               = var.domain
  site_bucket_name     = "${var.project_id}-site"
  site_bucket_location = var.region
  site_dir             = "${local.repo_root}/static_site"
  force_destroy_site   = !var.deletion_protection

  # Public functions by path.
  api_backends = {
    "/api/submit"   = { service = module.function["submit"].service, region = var.region }
    "/api/status"   = { service = module.function["status"].service, region = var.region }
    "/api/reupload" = { service = module.function["reupload"].service, region = var.region }
    # The operator page and its sub-paths; its own sign-in (password + TOTP) guards it.
    "/api/operator/*" = { service = module.function["operator"].service, region = var.region }
    # Providers' delivery webhooks; each request is verified by its signature.
    "/api/sendgrid_events"  = { service = module.function["sendgrid_events"].service, region = var.region }
    "/api/whatsapp_webhook" = { service = module.function["whatsapp_webhook"].service, region = var.region }
  }

  # Cloud Armor, per client IP, on every API backend.
  rate_limits = {
    submit   = { priority = 1000, path = "/api/submit", count = var.submit_requests_per_minute, interval_seconds = 60 }
    status   = { priority = 1100, path = "/api/status", count = var.status_requests_per_minute, interval_seconds = 60 }
    reupload = { priority = 1200, path = "/api/reupload", count = var.status_requests_per_minute, interval_seconds = 60 }
    operator = { priority = 1300, path = "/api/operator/login", count = 30, interval_seconds = 60 }
  }

  depends_on = [module.services]
}
