# One identity per function (keyed by its entry point) plus the identities that call functions,
# and every role they hold, as two tables. Queue enqueuers (queues.tf), function invokers and
# secret readers (functions.tf) are granted by their modules. tests/infra/test_iam.py holds an
# explicit table of all grants: a new role must be added there too, on purpose.

locals {
  service_accounts = {
    submit           = { id = "fn-submit", about = "submit: writes new requests, signs KTP upload URLs" }
    ktp_uploaded     = { id = "fn-ktp-uploaded", about = "ktp_uploaded: checks uploads, queues SDP lookups" }
    sdp_lookup       = { id = "fn-sdp-lookup", about = "sdp_lookup: ranks SDP candidates" }
    status           = { id = "fn-status", about = "status: reads requests, counts lookups per client" }
    reupload         = { id = "fn-reupload", about = "reupload: restarts KTP uploads, signs upload URLs as fn-submit" }
    survey           = { id = "fn-survey", about = "survey: reads survey invitations, writes anonymous answers" }
    complaint        = { id = "fn-complaint", about = "complaint: writes complaints and their receipt messages, counts per client" }
    sweep            = { id = "fn-sweep", about = "Remisi: sweep function (expires, requeues, flags stuck requests)" }
    operator         = { id = "fn-operator", about = "operator: the review page; reads requests, accounts, audit; signs KTP read URLs" }
    dispatch         = { id = "fn-dispatch", about = "dispatch: sends email (SendGrid) and WhatsApp, records each message" }
    sendgrid_events  = { id = "fn-sendgrid-events", about = "sendgrid_events: records email delivery statuses (signed Event Webhook)" }
    whatsapp_webhook = { id = "fn-whatsapp-webhook", about = "whatsapp_webhook: records WhatsApp delivery statuses (signed webhook)" }
    privacy_request  = { id = "fn-privacy-request", about = "privacy_request: records requesters' requests about their data, counts per client" }
    retention        = { id = "fn-retention", about = "retention: folds report figures, deletes KTP images, redacts closed requests" }
    scheduler        = { id = "scheduler", about = "Remisi: Cloud Scheduler caller of the periodic jobs" }
    tasks_invoker    = { id = "tasks-invoker", about = "Cloud Tasks OIDC identity; the only caller sdp_lookup accepts" }
    ktp_trigger      = { id = "eventarc-ktp", about = "Eventarc trigger delivering KTP finalize events to ktp_uploaded" }
    build            = { id = "fn-build", about = "Cloud Build identity for function builds" }
  }

  # Who holds which role where: `project`, `bucket:<key of grant_buckets>`, or
  # `account:<key of service_accounts>` (the role on that service account).
  grants = [
    # submit writes requests. A V4 signed URL acts with its signer's permissions: the browser's
    # PUT is a create by this account (objectCreator cannot read, list, overwrite or delete).
    # signBlob on itself only (SIGNING_SERVICE_ACCOUNT), so no key file exists anywhere.
    { account = "submit", role = "roles/datastore.user", on = "project" },
    { account = "submit", role = "roles/storage.objectCreator", on = "bucket:ktp" },
    { account = "submit", role = "roles/iam.serviceAccountTokenCreator", on = "account:submit" },

    # ktp_uploaded reads the upload, writes the checked copy, deletes the upload. Tasks carry an
    # OIDC token of tasks-invoker: creating them needs actAs on that account.
    { account = "ktp_uploaded", role = "roles/datastore.user", on = "project" },
    { account = "ktp_uploaded", role = "roles/storage.objectUser", on = "bucket:ktp" },
    { account = "ktp_uploaded", role = "roles/iam.serviceAccountUser", on = "account:tasks_invoker" },

    { account = "sdp_lookup", role = "roles/datastore.user", on = "project" },
    { account = "sdp_lookup", role = "roles/storage.objectViewer", on = "bucket:sdp_snapshots" },

    # status reads requests by tracking code and writes its own rate-limit counters.
    { account = "status", role = "roles/datastore.user", on = "project" },

    # reupload signs upload URLs as fn-submit (SIGNING_SERVICE_ACCOUNT): the PUT then creates as
    # fn-submit, so this account needs no grant on the KTP bucket at all.
    { account = "reupload", role = "roles/datastore.user", on = "project" },
    { account = "reupload", role = "roles/iam.serviceAccountTokenCreator", on = "account:submit" },

    # survey reads invitations and the answers' figures, writes answers and spends links.
    { account = "survey", role = "roles/datastore.user", on = "project" },

    # complaint writes complaints, their messages and outbox entries, reads requests (a named
    # tracking code) and its rate-limit counters; its receipt tasks carry tasks-invoker's token.
    { account = "complaint", role = "roles/datastore.user", on = "project" },
    { account = "complaint", role = "roles/iam.serviceAccountUser", on = "account:tasks_invoker" },

    # sweep reads and moves requests, deletes abandoned uploads, queues lost lookups again.
    { account = "sweep", role = "roles/datastore.user", on = "project" },
    { account = "sweep", role = "roles/storage.objectUser", on = "bucket:ktp" },
    { account = "sweep", role = "roles/iam.serviceAccountUser", on = "account:tasks_invoker" },

    # privacy_request reads requests (code + contact), writes the request about the data, its
    # confirmation messages and outbox entries; the confirmation tasks carry tasks-invoker's token.
    { account = "privacy_request", role = "roles/datastore.user", on = "project" },
    { account = "privacy_request", role = "roles/iam.serviceAccountUser", on = "account:tasks_invoker" },

    # retention reads and redacts requests, messages, audit details; on the KTP bucket it may
    # list and delete objects, and nothing else (a custom role: no read, no create).
    { account = "retention", role = "roles/datastore.user", on = "project" },
    { account = "retention", role = local.ktp_deleter_role, on = "bucket:ktp" },

    # The operator page: a signed GET acts with the signer's permissions, so view only. It
    # queues decision messages with tasks-invoker's token.
    { account = "operator", role = "roles/datastore.user", on = "project" },
    { account = "operator", role = "roles/storage.objectViewer", on = "bucket:ktp" },
    { account = "operator", role = "roles/iam.serviceAccountTokenCreator", on = "account:operator" },
    { account = "operator", role = "roles/iam.serviceAccountUser", on = "account:tasks_invoker" },

    # Dispatch and the delivery webhooks: messages and requests live in Firestore; dispatch
    # tasks (operator notices) carry tasks-invoker's OIDC token.
    { account = "dispatch", role = "roles/datastore.user", on = "project" },
    { account = "dispatch", role = "roles/iam.serviceAccountUser", on = "account:tasks_invoker" },
    { account = "sendgrid_events", role = "roles/datastore.user", on = "project" },
    { account = "sendgrid_events", role = "roles/iam.serviceAccountUser", on = "account:tasks_invoker" },
    { account = "whatsapp_webhook", role = "roles/datastore.user", on = "project" },
    { account = "whatsapp_webhook", role = "roles/iam.serviceAccountUser", on = "account:tasks_invoker" },

    { account = "ktp_trigger", role = "roles/eventarc.eventReceiver", on = "project" },

    # Function builds write logs and images (source reads: build_source below).
    { account = "build", role = "roles/logging.logWriter", on = "project" },
    { account = "build", role = "roles/artifactregistry.writer", on = "project" },
  ]

  # Spelled out (not the resource's id) so the grants' keys are known when planning.
  ktp_deleter_role = "projects/${var.project_id}/roles/remisiKtpDeleter"

  grant_buckets = {
    ktp           = module.ktp_bucket.name
    sdp_snapshots = google_storage_bucket.sdp_snapshots.name
  }
}

# Listing and deleting KTP objects, no more: the retention job never reads an image.
resource "google_project_iam_custom_role" "ktp_deleter" {
  project     = var.project_id
  role_id     = "remisiKtpDeleter"
  title       = "Remisi KTP deleter"
  description = "List and delete KTP objects (the retention function)."
  permissions = ["storage.objects.list", "storage.objects.delete"]
}

resource "google_service_account" "this" {
  for_each = local.service_accounts

  project      = var.project_id
  account_id   = each.value.id
  display_name = each.value.about
}

resource "google_project_iam_member" "this" {
  for_each = { for g in local.grants : "${g.account} ${g.role}" => g if g.on == "project" }

  project = var.project_id
  role    = each.value.role
  member  = "serviceAccount:${google_service_account.this[each.value.account].email}"
}

resource "google_storage_bucket_iam_member" "this" {
  for_each = { for g in local.grants : "${g.account} ${g.role} ${g.on}" => g if startswith(g.on, "bucket:") }

  bucket = local.grant_buckets[trimprefix(each.value.on, "bucket:")]
  role   = each.value.role
  member = "serviceAccount:${google_service_account.this[each.value.account].email}"

  depends_on = [google_project_iam_custom_role.ktp_deleter]
}

resource "google_service_account_iam_member" "this" {
  for_each = { for g in local.grants : "${g.account} ${g.role} ${g.on}" => g if startswith(g.on, "account:") }

  service_account_id = google_service_account.this[trimprefix(each.value.on, "account:")].name
  role               = each.value.role
  member             = "serviceAccount:${google_service_account.this[each.value.account].email}"
}

# --- the two grants that are not rows: a condition, and an account Google owns ----------------

# Reads source archives only: our source bucket and the gcf-v2-sources-* bucket Cloud Functions
# copies them into. Never project-wide without a condition (that would include the KTP bucket).
resource "google_project_iam_member" "build_source" {
  project = var.project_id
  role    = "roles/storage.objectViewer"
  member  = "serviceAccount:${google_service_account.this["build"].email}"

  condition {
    title       = "function-source-only"
    description = "Function source archives, never KTP or SDP data."
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.function_source.name}\") || resource.name.startsWith(\"projects/_/buckets/gcf-v2-sources-\")"
  }
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
