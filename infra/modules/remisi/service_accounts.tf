# One identity per function plus the identities that call functions, each with only the roles
# its code path uses. tests/infra/test_iam.py holds an explicit table of these grants: a new
# role must be added there too, on purpose.

resource "google_service_account" "submit" {
  project      = var.project_id
  account_id   = "fn-submit"
  display_name = "submit: writes new requests, signs KTP upload URLs"
}

resource "google_service_account" "ktp_uploaded" {
  project      = var.project_id
  account_id   = "fn-ktp-uploaded"
  display_name = "ktp_uploaded: checks uploads, queues SDP lookups"
}

resource "google_service_account" "sdp_lookup" {
  project      = var.project_id
  account_id   = "fn-sdp-lookup"
  display_name = "sdp_lookup: ranks SDP candidates"
}

resource "google_service_account" "status" {
  project      = var.project_id
  account_id   = "fn-status"
  display_name = "status: reads requests, counts lookups per client"
}

resource "google_service_account" "reupload" {
  project      = var.project_id
  account_id   = "fn-reupload"
  display_name = "reupload: restarts KTP uploads, signs upload URLs as fn-submit"
}

resource "google_service_account" "sweep" {
  project      = var.project_id
  account_id   = "fn-sweep"
  display_name = "Remisi: sweep function (expires, requeues, flags stuck requests)"
}

resource "google_service_account" "scheduler" {
  project      = var.project_id
  account_id   = "scheduler"
  display_name = "Remisi: Cloud Scheduler caller of the periodic jobs"
}

resource "google_service_account" "tasks_invoker" {
  project      = var.project_id
  account_id   = "tasks-invoker"
  display_name = "Cloud Tasks OIDC identity; the only caller sdp_lookup accepts"
}

resource "google_service_account" "ktp_trigger" {
  project      = var.project_id
  account_id   = "eventarc-ktp"
  display_name = "Eventarc trigger delivering KTP finalize events to ktp_uploaded"
}

resource "google_service_account" "build" {
  project      = var.project_id
  account_id   = "fn-build"
  display_name = "Cloud Build identity for function builds"
}

# --- submit -------------------------------------------------------------------------------------

resource "google_project_iam_member" "submit_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.submit.email}"
}

# A V4 signed URL acts with its signer's permissions: the browser's PUT is a create by this
# account. objectCreator cannot read, list, overwrite or delete.
resource "google_storage_bucket_iam_member" "submit_ktp_create" {
  bucket = module.ktp_bucket.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.submit.email}"
}

# signBlob on itself only (SIGNING_SERVICE_ACCOUNT), so no key file exists anywhere.
resource "google_service_account_iam_member" "submit_signs_as_itself" {
  service_account_id = google_service_account.submit.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.submit.email}"
}

# --- ktp_uploaded -------------------------------------------------------------------------------

resource "google_project_iam_member" "ktp_uploaded_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.ktp_uploaded.email}"
}

# Reads the upload, writes the checked copy, deletes the upload.
resource "google_storage_bucket_iam_member" "ktp_uploaded_objects" {
  bucket = module.ktp_bucket.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.ktp_uploaded.email}"
}

# Tasks carry an OIDC token of tasks-invoker: creating them needs actAs on that account.
resource "google_service_account_iam_member" "ktp_uploaded_acts_as_tasks_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.ktp_uploaded.email}"
}

# (cloudtasks.enqueuer on the sdp-lookup queue only: see queues.tf.)

# --- sdp_lookup ---------------------------------------------------------------------------------

resource "google_project_iam_member" "sdp_lookup_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.sdp_lookup.email}"
}

resource "google_storage_bucket_iam_member" "sdp_lookup_snapshots" {
  bucket = google_storage_bucket.sdp_snapshots.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.sdp_lookup.email}"
}

# --- status ---------------------------------------------------------------------------------------

# Reads requests by tracking code; writes its own rate-limit counters.
resource "google_project_iam_member" "status_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.status.email}"
}

# --- reupload -------------------------------------------------------------------------------------

resource "google_project_iam_member" "reupload_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.reupload.email}"
}

# Signs upload URLs as fn-submit (SIGNING_SERVICE_ACCOUNT): the PUT then creates as fn-submit,
# so this account needs no grant on the KTP bucket at all.
resource "google_service_account_iam_member" "reupload_signs_as_submit" {
  service_account_id = google_service_account.submit.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.reupload.email}"
}

# --- Eventarc -----------------------------------------------------------------------------------

resource "google_project_iam_member" "ktp_trigger_receiver" {
  project = var.project_id
  role    = "roles/eventarc.eventReceiver"
  member  = "serviceAccount:${google_service_account.ktp_trigger.email}"
}

# Cloud Storage publishes its events to Eventarc's Pub/Sub topic as its service agent.
data "google_storage_project_service_account" "gcs_agent" {
  project = var.project_id

  depends_on = [module.services]
}

resource "google_project_iam_member" "gcs_agent_publisher" {
  project = var.project_id
  role    = "roles/pubsub.publisher"
  member  = "serviceAccount:${data.google_storage_project_service_account.gcs_agent.email_address}"
}

# --- function builds ----------------------------------------------------------------------------

resource "google_project_iam_member" "build_logs" {
  project = var.project_id
  role    = "roles/logging.logWriter"
  member  = "serviceAccount:${google_service_account.build.email}"
}

resource "google_project_iam_member" "build_images" {
  project = var.project_id
  role    = "roles/artifactregistry.writer"
  member  = "serviceAccount:${google_service_account.build.email}"
}

# Reads source archives only: our source bucket and the gcf-v2-sources-* bucket Cloud Functions
# copies them into. Never project-wide without a condition (that would include the KTP bucket).
resource "google_project_iam_member" "build_source" {
  project = var.project_id
  role    = "roles/storage.objectViewer"
  member  = "serviceAccount:${google_service_account.build.email}"

  condition {
    title       = "function-source-only"
    description = "Function source archives, never KTP or SDP data."
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.function_source.name}\") || resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-\")"
  }
}

# sweep: reads and moves requests, deletes abandoned uploads, queues lost lookups again.
resource "google_project_iam_member" "sweep_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.sweep.email}"
}

resource "google_storage_bucket_iam_member" "sweep_ktp_objects" {
  bucket = module.ktp_bucket.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.sweep.email}"
}

resource "google_service_account_iam_member" "sweep_acts_as_tasks_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.sweep.email}"
}

# --- operator -----------------------------------------------------------------------------------

resource "google_service_account" "operator" {
  project      = var.project_id
  account_id   = "fn-operator"
  display_name = "operator: the review page; reads requests, accounts, audit; signs KTP read URLs"
}

resource "google_project_iam_member" "operator_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.operator.email}"
}

# A signed GET acts with the signer's permissions: view only, never write or delete.
resource "google_storage_bucket_iam_member" "operator_ktp_read" {
  bucket = module.ktp_bucket.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.operator.email}"
}

resource "google_service_account_iam_member" "operator_signs_as_itself" {
  service_account_id = google_service_account.operator.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.operator.email}"
}

# --- dispatch and delivery webhooks -------------------------------------------------------------

resource "google_service_account" "dispatch" {
  project      = var.project_id
  account_id   = "fn-dispatch"
  display_name = "dispatch: sends email (SendGrid) and WhatsApp, records each message"
}

resource "google_service_account" "sendgrid_events" {
  project      = var.project_id
  account_id   = "fn-sendgrid-events"
  display_name = "sendgrid_events: records email delivery statuses (signed Event Webhook)"
}

resource "google_service_account" "whatsapp_webhook" {
  project      = var.project_id
  account_id   = "fn-whatsapp-webhook"
  display_name = "whatsapp_webhook: records WhatsApp delivery statuses (signed webhook)"
}

# Messages and requests live in Firestore.
resource "google_project_iam_member" "dispatch_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.dispatch.email}"
}

resource "google_project_iam_member" "sendgrid_events_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.sendgrid_events.email}"
}

resource "google_project_iam_member" "whatsapp_webhook_firestore" {
  project = var.project_id
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.whatsapp_webhook.email}"
}

# Dispatch tasks carry tasks-invoker's OIDC token: whoever queues them acts as it.
resource "google_service_account_iam_member" "operator_acts_as_tasks_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.operator.email}"
}

resource "google_service_account_iam_member" "dispatch_acts_as_tasks_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.dispatch.email}"
}

resource "google_service_account_iam_member" "sendgrid_events_acts_as_tasks_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.sendgrid_events.email}"
}

resource "google_service_account_iam_member" "whatsapp_webhook_acts_as_tasks_invoker" {
  service_account_id = google_service_account.tasks_invoker.name
  role               = "roles/iam.serviceAccountUser"
  member             = "serviceAccount:${google_service_account.whatsapp_webhook.email}"
}
