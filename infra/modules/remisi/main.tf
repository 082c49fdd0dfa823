# The whole service in one project: what each environment (staging, production) instantiates.

locals {
  name      = "remisi-${var.environment}"
  repo_root = abspath("${path.module}/../../..")
  labels = {
    service     = "layanan-informasi-remisi"
    environment = var.environment
  }
  site_origin = "https://${var.domain}"

  # The cloudfunctions.net URL of sdp-lookup, known before it is deployed: Cloud Tasks sends
  # lookups there, and the function checks it as the OIDC audience (a postcondition in the
  # function module fails the apply if the deployed URL differs).
  sdp_lookup_url = "https://${var.region}-${var.project_id}.cloudfunctions.net/sdp-lookup"
  # Likewise for sweep: Cloud Scheduler's OIDC audience, checked by the function.
  sweep_url = "https://${var.region}-${var.project_id}.cloudfunctions.net/sweep"
  # And for the daily retention job (shared.service_layer.privacy).
  retention_url = "https://${var.region}-${var.project_id}.cloudfunctions.net/retention"
  # And for dispatch: Cloud Tasks' OIDC audience on the dispatch queue.
  dispatch_url = "https://${var.region}-${var.project_id}.cloudfunctions.net/dispatch"

  # Every setting infra gives a function, but secrets (secrets.tf) and the operator page's own
  # signer: each function takes the names its row lists (functions.tf), which are the settings
  # its code reads (shared.config.FUNCTION_SETTINGS); tests/infra holds both against the code.
  # Admin commands run with all of them (outputs.tf).
  function_environment = {
    REMISI_MODE               = "cloud"
    GOOGLE_CLOUD_PROJECT      = var.project_id
    REMISI_REGION             = var.region
    KTP_BUCKET                = module.ktp_bucket.name
    SDP_LOOKUP_QUEUE          = module.sdp_lookup_queue.name
    SDP_LOOKUP_URL            = local.sdp_lookup_url
    TASKS_SERVICE_ACCOUNT     = google_service_account.this["tasks_invoker"].email
    SWEEP_URL                 = local.sweep_url
    RETENTION_URL             = local.retention_url
    SCHEDULER_SERVICE_ACCOUNT = google_service_account.this["scheduler"].email
    SIGNING_SERVICE_ACCOUNT   = google_service_account.this["submit"].email
    UPLOAD_URL_MINUTES        = "15"
    # Lookups answer from imported SDP exports (python -m shared.sdp_directory.cli import).
    SDP_SOURCE = "gcs"
    SDP_BUCKET = google_storage_bucket.sdp_snapshots.name
    # Who checks uploads (ktp_uploaded, the sweep) scans them first (malware_scanner.tf).
    MALWARE_SCANNER_URL = module.malware_scanner.url
    # ktp_uploaded and the operator page queue messages; dispatch checks the audience.
    DISPATCH_QUEUE = module.dispatch_queue.name
    DISPATCH_URL   = local.dispatch_url
    # The dispatch queue's max attempts (queues.tf): the last one flags a failing message.
    DISPATCH_MAX_ATTEMPTS = "10"
    # Messages: the signature, the status link, the sender; whoever settles a message (dispatch,
    # the webhooks, the operator page) owes the alert when both channels failed.
    OFFICE_NAME                 = var.office_name
    PUBLIC_SITE_URL             = local.site_origin
    EMAIL_FROM                  = var.email_from
    WHATSAPP_PHONE_NUMBER_ID    = var.whatsapp_phone_number_id
    OPERATOR_ALERT_EMAIL        = var.operator_alert_email
    SENDGRID_WEBHOOK_PUBLIC_KEY = var.sendgrid_webhook_public_key
  }
}

module "services" {
  source     = "../project_services"
  project_id = var.project_id
  services = [
    "artifactregistry.googleapis.com",
    "billingbudgets.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    "cloudresourcemanager.googleapis.com",
    "cloudscheduler.googleapis.com",
    "cloudtasks.googleapis.com",
    "compute.googleapis.com",
    "eventarc.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    "iamcredentials.googleapis.com", # signBlob for the V4 upload URLs
    "logging.googleapis.com",
    "monitoring.googleapis.com",
    "pubsub.googleapis.com", # Eventarc's transport for storage events
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ]
}

module "firestore" {
  source     = "../firestore"
  project_id = var.project_id
  location   = var.region

  composite_indexes = {
    # FirestoreRequestRepository.list_by_status: status == X, status_entered_at < T, ordered.
    requests_by_status_age = {
      collection = "requests"
      fields = [
        { field_path = "status", order = "ASCENDING" },
        { field_path = "status_entered_at", order = "ASCENDING" },
      ]
    }
  }

  # Bookkeeping only. Requests, their tracking codes and messages have no TTL: a TTL deleted
  # open requests 90 days after submission; the retention function redacts closed ones instead.
  ttl_field       = "purge_after"
  ttl_collections = ["idempotency_keys", "rate_limits", "sign_in_failures", "operator_sessions", "audit_events", "complaints"]

  point_in_time_recovery = var.firestore_point_in_time_recovery
  delete_protection      = var.deletion_protection

  depends_on = [module.services]
}
