# One Cloud Function (2nd gen, Python 3.11) with its own runtime account, who may invoke it,
# the secrets it reads, and optionally its Eventarc trigger and Cloud Scheduler jobs.

locals {
  # The cloudfunctions.net URL is known before the function exists, so a setting can carry it
  # (SDP_LOOKUP_URL is read by the function itself: its own OIDC audience).
  url = "https://${var.region}-${var.project_id}.cloudfunctions.net/${var.name}"
}

resource "google_cloudfunctions2_function" "this" {
  project     = var.project_id
  location    = var.region
  name        = var.name
  description = var.description
  labels      = var.labels

  build_config {
    runtime         = "python311"
    entry_point     = var.entry_point
    service_account = var.build_service_account

    source {
      storage_source {
        bucket = var.source_bucket
        object = var.source_object
      }
    }
  }

  service_config {
    service_account_email          = var.service_account_email
    ingress_settings               = var.public ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    available_memory               = var.memory
    available_cpu                  = var.cpu
    timeout_seconds                = var.timeout_seconds
    max_instance_count             = var.max_instances
    min_instance_count             = var.min_instances
    environment_variables          = merge(var.environment, var.extra_environment)

    dynamic "secret_environment_variables" {
      for_each = var.secrets
      content {
        key        = secret_environment_variables.key
        project_id = var.project_id
        secret     = secret_environment_variables.value
        version    = "latest"
      }
    }
  }

  dynamic "event_trigger" {
    for_each = var.event_trigger == null ? [] : [var.event_trigger]
    content {
      trigger_region        = var.region
      event_type            = event_trigger.value.event_type
      retry_policy          = "RETRY_POLICY_RETRY"
      service_account_email = event_trigger.value.service_account_email

      dynamic "event_filters" {
        for_each = event_trigger.value.filters
        content {
          attribute = event_filters.key
          value     = event_filters.value
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = !(var.public && length(var.invoker_members) > 0)
      error_message = "A public function needs no invoker_members; a private one lists them."
    }
    postcondition {
      condition     = var.expected_url == null || self.url == var.expected_url
      error_message = "The deployed function URL differs from expected_url, which settings (OIDC audience, task target) carry."
    }
  }

  depends_on = [google_secret_manager_secret_iam_member.accessor]
}

# Gen2 functions are Cloud Run services: invocation is run.invoker on the service.
resource "google_cloud_run_v2_service_iam_member" "public" {
  # Public by design (the form's submit endpoint): ingress admits only the HTTPS load
  # balancer, where Cloud Armor rate-limits per IP. tests/infra allow it for `public` only.
  count = var.public ? 1 : 0

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this.service_config[0].service
  role     = "roles/run.invoker"
  member   = "allUsers"
}

resource "google_cloud_run_v2_service_iam_member" "invoker" {
  for_each = toset(concat(
    var.invoker_members,
    length(var.schedules) > 0 ? ["serviceAccount:${var.scheduler_service_account}"] : [],
  ))

  project  = var.project_id
  location = var.region
  name     = google_cloudfunctions2_function.this.service_config[0].service
  role     = "roles/run.invoker"
  member   = each.value
}

resource "google_secret_manager_secret_iam_member" "accessor" {
  for_each = var.secrets

  project   = var.project_id
  secret_id = each.value
  role      = "roles/secretmanager.secretAccessor"
  member    = "serviceAccount:${var.service_account_email}"
}

resource "google_cloud_scheduler_job" "this" {
  for_each = var.schedules

  project          = var.project_id
  region           = var.region
  name             = "${var.name}-${each.key}"
  schedule         = each.value.schedule
  time_zone        = each.value.time_zone
  attempt_deadline = "${var.timeout_seconds}s"

  retry_config {
    retry_count = 1
  }

  http_target {
    http_method = "POST"
    uri         = local.url
    body        = base64encode(each.value.body)
    headers = {
      "Content-Type" = "application/json"
    }

    oidc_token {
      service_account_email = var.scheduler_service_account
      audience              = local.url
    }
  }

  lifecycle {
    precondition {
      condition     = var.scheduler_service_account != null
      error_message = "schedules need scheduler_service_account."
    }
  }
}
