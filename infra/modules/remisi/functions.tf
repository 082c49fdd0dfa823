# One row per entry point in functions/main.py, keyed by its name: the function is that name
# with hyphens, runs as google_service_account.this[<key>] (service_accounts.tf), and takes the
# cloud_function module's inputs; a row leaves out those whose module default fits (a field the
# call below does not pass fails tests/infra/test_values.py, as Terraform would ignore it). A
# new function is one more row (and its account).
#
# `settings` names what the function reads of local.function_environment (main.tf), `secrets`
# what it reads from Secret Manager (its account may read those secrets and no others): only
# settings of its row in shared.config.FUNCTION_SETTINGS, and every setting of that row that
# infra gives any function (tests/infra/test_settings.py).

locals {
  invoked_by_tasks = ["serviceAccount:${google_service_account.this["tasks_invoker"].email}"]

  functions = {
    submit = {
      description   = "POST /api/submit: the form; answers with the tracking code and a signed upload URL."
      settings      = ["REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "KTP_BUCKET", "SIGNING_SERVICE_ACCOUNT", "UPLOAD_URL_MINUTES"]
      public        = true
      max_instances = var.submit_max_instances
    }

    ktp_uploaded = {
      description = "Storage finalize on the KTP bucket: checks the file, queues the SDP lookup."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "KTP_BUCKET", "SIGNING_SERVICE_ACCOUNT", "REMISI_REGION",
        "TASKS_SERVICE_ACCOUNT", "SDP_LOOKUP_QUEUE", "SDP_LOOKUP_URL", "DISPATCH_QUEUE", "DISPATCH_URL",
        "MALWARE_SCANNER_URL",
      ]
      invoker_members = ["serviceAccount:${google_service_account.this["ktp_trigger"].email}"]
      memory          = "512Mi"
      cpu             = "0.333"
      timeout_seconds = 120
      event_trigger = {
        event_type            = "google.cloud.storage.object.v1.finalized"
        filters               = { bucket = module.ktp_bucket.name }
        service_account_email = google_service_account.this["ktp_trigger"].email
      }
    }

    sdp_lookup = {
      description = "Cloud Tasks target: ranks SDP candidates. Only tasks-invoker may call it."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "SDP_SOURCE", "SDP_BUCKET", "SDP_LOOKUP_QUEUE", "SDP_LOOKUP_URL",
        "TASKS_SERVICE_ACCOUNT",
      ]
      invoker_members = local.invoked_by_tasks
      expected_url    = local.sdp_lookup_url
      memory          = "1Gi"
      cpu             = "0.583"
      timeout_seconds = 300
    }

    # The status page: tracking code + phone/email → timeline. Public behind the load balancer
    # and its Cloud Armor rule; counts lookups per client in Firestore too.
    status = {
      description   = "POST /api/status: where a request stands, for its tracking code plus phone or email."
      settings      = ["REMISI_MODE", "GOOGLE_CLOUD_PROJECT"]
      public        = true
      max_instances = var.submit_max_instances
    }

    # A new signed KTP upload after a rejection (or when the first URL lapsed). Signs as the
    # submit account, whose objectCreator grant the browser's PUT uses.
    reupload = {
      description   = "POST /api/reupload: a new signed KTP upload URL for tracking code plus phone or email."
      settings      = ["REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "KTP_BUCKET", "SIGNING_SERVICE_ACCOUNT", "UPLOAD_URL_MINUTES"]
      public        = true
      max_instances = var.submit_max_instances
    }

    # The complaint form: stores the complaint, owes its receipt (dispatch queue); a tracking
    # code it names is checked as the status page checks it.
    complaint = {
      description = "POST /api/complaint: a complaint about the service, answered by operators within the SLA."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "REMISI_REGION", "TASKS_SERVICE_ACCOUNT", "DISPATCH_QUEUE",
        "DISPATCH_URL",
      ]
      public        = true
      max_instances = var.submit_max_instances
    }

    sweep = {
      description = "Every minute: the outbox relay, the reconciliation of uploads, expiry, stuck requests marked failed."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "KTP_BUCKET", "SIGNING_SERVICE_ACCOUNT", "REMISI_REGION",
        "TASKS_SERVICE_ACCOUNT", "SDP_LOOKUP_QUEUE", "SDP_LOOKUP_URL", "DISPATCH_QUEUE", "DISPATCH_URL",
        "SWEEP_URL", "SCHEDULER_SERVICE_ACCOUNT", "MALWARE_SCANNER_URL",
      ]
      expected_url              = local.sweep_url
      timeout_seconds           = 300
      scheduler_service_account = google_service_account.this["scheduler"].email
      schedules = {
        every-minute = { schedule = "* * * * *", time_zone = "Asia/Jakarta", body = "{}" }
      }
    }

    # The satisfaction survey (SKM): a link's check and its answers (the link's token is only
    # hashed here: no secret), and the figures the office publishes.
    survey = {
      description   = "GET/POST /api/survey: the satisfaction survey's link check and answers, and the published figures."
      settings      = ["REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "OFFICE_NAME"]
      public        = true
      max_instances = var.submit_max_instances
    }

    # The status page's request about one's personal data: checked as the status page checks a
    # lookup, stored for the admins' queue, its confirmation owed (dispatch queue).
    privacy_request = {
      description = "POST /api/privacy_request: a requester asks for access, correction or erasure of their data."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "REMISI_REGION", "TASKS_SERVICE_ACCOUNT", "DISPATCH_QUEUE",
        "DISPATCH_URL",
      ]
      public        = true
      max_instances = var.submit_max_instances
    }

    # Daily: closed requests' figures folded into the report aggregates, then their KTP images
    # deleted and personal fields redacted by the retention settings (their defaults in
    # shared.config); open requests are flagged, never deleted.
    retention = {
      description = "Daily: report aggregates, KTP deletion and redaction of closed requests (UU 27/2022 retention)."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "KTP_BUCKET", "SIGNING_SERVICE_ACCOUNT", "RETENTION_URL",
        "SCHEDULER_SERVICE_ACCOUNT",
      ]
      expected_url              = local.retention_url
      timeout_seconds           = 900
      scheduler_service_account = google_service_account.this["scheduler"].email
      schedules = {
        daily = { schedule = "30 2 * * *", time_zone = "Asia/Jakarta", body = "{}" }
      }
    }

    # The operator review page. Public at the load balancer on purpose (see frontend.tf):
    # operators sign in with their own password + TOTP; IAP would demand Google accounts the
    # office's staff do not have. Signs its 5-minute KTP read URLs as itself.
    operator = {
      description = "/api/operator/*: the operators' review page (sign-in, queue, decisions, audit)."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "KTP_BUCKET", "REMISI_REGION", "TASKS_SERVICE_ACCOUNT",
        "DISPATCH_QUEUE", "DISPATCH_URL", "OPERATOR_ALERT_EMAIL", "OFFICE_NAME",
      ]
      extra_environment = { SIGNING_SERVICE_ACCOUNT = google_service_account.this["operator"].email }
      secrets = {
        OPERATOR_SESSION_KEY = google_secret_manager_secret.this["session-key"].secret_id
        # Whoever settles an answer's messages owes its survey link (written with this key).
        SURVEY_TOKEN_KEY = google_secret_manager_secret.this["survey-token-key"].secret_id
      }
      public        = true
      max_instances = 5
    }

    # Cloud Tasks target of the dispatch queue: one message on one channel, at most once. Reads
    # the SendGrid key and the WhatsApp token, and nothing else secret.
    dispatch = {
      description = "Cloud Tasks target: sends one email or WhatsApp message once. Only tasks-invoker may call it."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "REMISI_REGION", "TASKS_SERVICE_ACCOUNT", "DISPATCH_QUEUE",
        "DISPATCH_URL", "OPERATOR_ALERT_EMAIL", "DISPATCH_MAX_ATTEMPTS", "OFFICE_NAME", "PUBLIC_SITE_URL",
        "EMAIL_FROM", "WHATSAPP_PHONE_NUMBER_ID",
      ]
      secrets = {
        SENDGRID_API_KEY = google_secret_manager_secret.this["sendgrid-api-key"].secret_id
        WHATSAPP_TOKEN   = google_secret_manager_secret.this["whatsapp-token"].secret_id
        SURVEY_TOKEN_KEY = google_secret_manager_secret.this["survey-token-key"].secret_id
      }
      invoker_members = local.invoked_by_tasks
      expected_url    = local.dispatch_url
      timeout_seconds = 60
    }

    # SendGrid's Event Webhook: public (SendGrid cannot sign in), every POST checked by ECDSA.
    sendgrid_events = {
      description = "POST /api/sendgrid_events: signed email delivery events (ECDSA verified)."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "REMISI_REGION", "TASKS_SERVICE_ACCOUNT", "DISPATCH_QUEUE",
        "DISPATCH_URL", "OPERATOR_ALERT_EMAIL", "SENDGRID_WEBHOOK_PUBLIC_KEY",
      ]
      secrets       = { SURVEY_TOKEN_KEY = google_secret_manager_secret.this["survey-token-key"].secret_id }
      public        = true
      max_instances = 5
    }

    # WhatsApp's webhook: public (Meta cannot sign in), every POST checked by HMAC of the app
    # secret.
    whatsapp_webhook = {
      description = "GET/POST /api/whatsapp_webhook: subscription handshake and signed WhatsApp statuses."
      settings = [
        "REMISI_MODE", "GOOGLE_CLOUD_PROJECT", "REMISI_REGION", "TASKS_SERVICE_ACCOUNT", "DISPATCH_QUEUE",
        "DISPATCH_URL", "OPERATOR_ALERT_EMAIL",
      ]
      secrets = {
        WHATSAPP_APP_SECRET   = google_secret_manager_secret.this["whatsapp-app-secret"].secret_id
        WHATSAPP_VERIFY_TOKEN = google_secret_manager_secret.this["whatsapp-verify-token"].secret_id
        SURVEY_TOKEN_KEY      = google_secret_manager_secret.this["survey-token-key"].secret_id
      }
      public        = true
      max_instances = 5
    }
  }
}

module "function" {
  source   = "../cloud_function"
  for_each = local.functions

  project_id            = var.project_id
  region                = var.region
  source_bucket         = google_storage_bucket.function_source.name
  source_object         = google_storage_bucket_object.function_source.name
  build_service_account = google_service_account.this["build"].id
  labels                = local.labels

  name                  = replace(each.key, "_", "-")
  entry_point           = each.key
  service_account_email = google_service_account.this[each.key].email
  environment           = { for name in each.value.settings : name => local.function_environment[name] }

  # What a row leaves out is null, which the module's non-nullable inputs turn into their
  # defaults.
  description               = try(each.value.description, null)
  extra_environment         = try(each.value.extra_environment, null)
  secrets                   = try(each.value.secrets, null)
  public                    = try(each.value.public, null)
  invoker_members           = try(each.value.invoker_members, null)
  expected_url              = try(each.value.expected_url, null)
  event_trigger             = try(each.value.event_trigger, null)
  schedules                 = try(each.value.schedules, null)
  scheduler_service_account = try(each.value.scheduler_service_account, null)
  memory                    = try(each.value.memory, null)
  cpu                       = try(each.value.cpu, null)
  timeout_seconds           = try(each.value.timeout_seconds, null)
  max_instances             = try(each.value.max_instances, null)

  depends_on = [
    module.services,
    google_project_iam_member.this,
    google_project_iam_member.build_source,
    google_project_iam_member.gcs_agent_publisher,
  ]
}
