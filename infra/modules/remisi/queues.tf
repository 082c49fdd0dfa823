# Cloud Tasks queues. Queue ids are what the code is configured with (SDP_LOOKUP_QUEUE).

module "sdp_lookup_queue" {
  source     = "../tasks_queue"
  project_id = var.project_id
  region     = var.region
  name       = "sdp-lookup"

  # services.SDP_ATTEMPTS_BEFORE_MANUAL = 3: on the 3rd attempt with SDP down the code hands the
  # request to an operator instead of failing, so at least 3 attempts must happen. The extra
  # attempts cover other transient failures (Firestore, cold starts).
  max_attempts       = 5
  min_backoff        = "10s"
  max_backoff        = "300s"
  max_doublings      = 4
  max_retry_duration = "0s"

  # Polite to an SDP web service; a snapshot lookup is cheap either way.
  max_dispatches_per_second = 5
  max_concurrent_dispatches = 10

  # ktp_uploaded queues each lookup; sweep queues again a lookup whose task was lost.
  enqueuer_members = [
    "serviceAccount:${google_service_account.this["ktp_uploaded"].email}",
    "serviceAccount:${google_service_account.this["sweep"].email}",
  ]

  depends_on = [module.services]
}

# Email + WhatsApp dispatch (shared.service_layer.dispatch). DISPATCH_MAX_ATTEMPTS on the
# dispatch function equals max_attempts: on the last attempt a failing message is flagged.
module "dispatch_queue" {
  source     = "../tasks_queue"
  project_id = var.project_id
  region     = var.region
  name       = "dispatch"

  max_attempts       = 10
  min_backoff        = "30s"
  max_backoff        = "3600s"
  max_doublings      = 5
  max_retry_duration = "86400s"

  # WhatsApp Cloud API and SendGrid throttle per number / per account (130429, HTTP 429).
  max_dispatches_per_second = 10
  max_concurrent_dispatches = 20

  # Receipts and rejections (ktp_uploaded), decisions (operator), operator notices when both
  # channels failed (dispatch, and the webhooks that learn of a failure).
  enqueuer_members = [
    "serviceAccount:${google_service_account.this["ktp_uploaded"].email}",
    "serviceAccount:${google_service_account.this["operator"].email}",
    "serviceAccount:${google_service_account.this["complaint"].email}",
    "serviceAccount:${google_service_account.this["privacy_request"].email}",
    "serviceAccount:${google_service_account.this["dispatch"].email}",
    "serviceAccount:${google_service_account.this["sendgrid_events"].email}",
    "serviceAccount:${google_service_account.this["whatsapp_webhook"].email}",
  ]

  depends_on = [module.services]
}
