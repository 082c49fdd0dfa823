# One module block per entry point in functions/main.py. A new function is one more block:
# name, entry point, its service account (service_accounts.tf), who may call it.

locals {
  function_common = {
    project_id            = var.project_id
    region                = var.region
    source_bucket         = google_storage_bucket.function_source.name
    source_object         = google_storage_bucket_object.function_source.name
    build_service_account = google_service_account.build.id
  }
}

module "fn_submit" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "submit"
  entry_point           = "submit"
  description           = "POST /api/submit: the form; answers with the tracking code and a signed upload URL."
  service_account_email = google_service_account.submit.email
  environment           = local.function_environment
  public                = true
  max_instances         = var.submit_max_instances

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}

module "fn_ktp_uploaded" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "ktp-uploaded"
  entry_point           = "ktp_uploaded"
  description           = "Storage finalize on the KTP bucket: checks the file, queues the SDP lookup."
  service_account_email = google_service_account.ktp_uploaded.email
  environment           = local.function_environment
  invoker_members       = ["serviceAccount:${google_service_account.ktp_trigger.email}"]
  memory                = "512Mi"
  cpu                   = "0.333"
  timeout_seconds       = 120

  event_trigger = {
    event_type            = "google.cloud.storage.object.v1.finalized"
    filters               = { bucket = module.ktp_bucket.name }
    service_account_email = google_service_account.ktp_trigger.email
  }

  depends_on = [
    module.services,
    google_project_iam_member.build_logs,
    google_project_iam_member.build_images,
    google_project_iam_member.build_source,
    google_project_iam_member.gcs_agent_publisher,
    google_project_iam_member.ktp_trigger_receiver,
  ]
}

module "fn_sdp_lookup" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "sdp-lookup"
  entry_point           = "sdp_lookup"
  description           = "Cloud Tasks target: ranks SDP candidates. Only tasks-invoker may call it."
  service_account_email = google_service_account.sdp_lookup.email
  environment           = local.function_environment
  invoker_members       = ["serviceAccount:${google_service_account.tasks_invoker.email}"]
  expected_url          = local.sdp_lookup_url
  memory                = "1Gi"
  cpu                   = "0.583"
  timeout_seconds       = 300

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}

# The status page: tracking code + phone/email → timeline. Public behind the load balancer and
# its Cloud Armor rule; counts lookups per client in Firestore too.
module "fn_status" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "status"
  entry_point           = "status"
  description           = "POST /api/status: where a request stands, for its tracking code plus phone or email."
  service_account_email = google_service_account.status.email
  environment           = local.function_environment
  public                = true
  max_instances         = var.submit_max_instances

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}

# A new signed KTP upload after a rejection (or when the first URL lapsed). Signs as the submit
# account, whose objectCreator grant the browser's PUT uses.
module "fn_reupload" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "reupload"
  entry_point           = "reupload"
  description           = "POST /api/reupload: a new signed KTP upload URL for tracking code plus phone or email."
  service_account_email = google_service_account.reupload.email
  environment           = local.function_environment
  public                = true
  max_instances         = var.submit_max_instances

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}

module "fn_sweep" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "sweep"
  entry_point           = "sweep"
  description           = "Every 10 minutes: expires abandoned uploads, requeues lost lookups, marks stuck requests failed."
  service_account_email = google_service_account.sweep.email
  environment           = local.function_environment
  expected_url          = local.sweep_url
  timeout_seconds       = 300

  scheduler_service_account = google_service_account.scheduler.email
  schedules = {
    every-10-minutes = {
      schedule  = "*/10 * * * *"
      time_zone = "Asia/Jakarta"
      body      = "{}"
    }
  }

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}

# The operator review page. Public at the load balancer on purpose (see frontend.tf): operators
# sign in with their own password + TOTP; IAP would demand Google accounts the office's staff
# do not have. Signs its 5-minute KTP read URLs as itself.
module "fn_operator" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "operator"
  entry_point           = "operator"
  description           = "/api/operator/*: the operators' review page (sign-in, queue, decisions, audit)."
  service_account_email = google_service_account.operator.email
  environment           = local.function_environment
  extra_environment = {
    SIGNING_SERVICE_ACCOUNT = google_service_account.operator.email
    OFFICE_NAME             = var.office_name
  }
  secrets = {
    OPERATOR_SESSION_KEY = google_secret_manager_secret.this["session-key"].secret_id
  }
  public        = true
  max_instances = 5

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}

# Cloud Tasks target of the dispatch queue: one message on one channel, at most once. Reads the
# SendGrid key and the WhatsApp token, and nothing else secret.
module "fn_dispatch" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "dispatch"
  entry_point           = "dispatch"
  description           = "Cloud Tasks target: sends one email or WhatsApp message once. Only tasks-invoker may call it."
  service_account_email = google_service_account.dispatch.email
  environment           = local.function_environment
  extra_environment = {
    OFFICE_NAME              = var.office_name
    PUBLIC_SITE_URL          = local.site_origin
    EMAIL_FROM               = var.email_from
    DISPATCH_MAX_ATTEMPTS    = "10"
    WHATSAPP_PHONE_NUMBER_ID = var.whatsapp_phone_number_id
    OPERATOR_ALERT_EMAIL     = var.operator_alert_email
  }
  secrets = {
    SENDGRID_API_KEY = google_secret_manager_secret.this["sendgrid-api-key"].secret_id
    WHATSAPP_TOKEN   = google_secret_manager_secret.this["whatsapp-token"].secret_id
  }
  invoker_members = ["serviceAccount:${google_service_account.tasks_invoker.email}"]
  expected_url    = local.dispatch_url
  timeout_seconds = 60

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}

# SendGrid's Event Webhook: public (SendGrid cannot sign in), every POST checked by ECDSA.
module "fn_sendgrid_events" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "sendgrid-events"
  entry_point           = "sendgrid_events"
  description           = "POST /api/sendgrid_events: signed email delivery events (ECDSA verified)."
  service_account_email = google_service_account.sendgrid_events.email
  environment           = local.function_environment
  extra_environment = {
    SENDGRID_WEBHOOK_PUBLIC_KEY = var.sendgrid_webhook_public_key
  }
  public        = true
  max_instances = 5

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}

# WhatsApp's webhook: public (Meta cannot sign in), every POST checked by HMAC of the app secret.
module "fn_whatsapp_webhook" {
  source                = "../cloud_function"
  project_id            = local.function_common.project_id
  region                = local.function_common.region
  source_bucket         = local.function_common.source_bucket
  source_object         = local.function_common.source_object
  build_service_account = local.function_common.build_service_account
  labels                = local.labels

  name                  = "whatsapp-webhook"
  entry_point           = "whatsapp_webhook"
  description           = "GET/POST /api/whatsapp_webhook: subscription handshake and signed WhatsApp statuses."
  service_account_email = google_service_account.whatsapp_webhook.email
  environment           = local.function_environment
  secrets = {
    WHATSAPP_APP_SECRET   = google_secret_manager_secret.this["whatsapp-app-secret"].secret_id
    WHATSAPP_VERIFY_TOKEN = google_secret_manager_secret.this["whatsapp-verify-token"].secret_id
  }
  public        = true
  max_instances = 5

  depends_on = [module.services, google_project_iam_member.build_logs, google_project_iam_member.build_images, google_project_iam_member.build_source]
}
