# Alerts an office can act on: functions failing, queues backing up, task attempts failing,
# SDP unreachable, and a monthly budget.

variable "project_id" {
  type = string
}

variable "name_prefix" {
  type = string
}

variable "alert_emails" {
  type = list(string)
}

variable "function_services" {
  description = "Cloud Run service names of the functions whose 5xx responses alert."
  type        = list(string)
}

variable "queues" {
  description = "Cloud Tasks queue ids watched for backlog and failed attempts."
  type        = list(string)
}

variable "queue_depth_threshold" {
  type    = number
  default = 50
}

variable "failed_attempts_threshold" {
  description = "Failed task attempts per 10 minutes that alert (single retries are normal)."
  type        = number
  default     = 5
}

variable "billing_account" {
  description = "Billing account id (XXXXXX-XXXXXX-XXXXXX) the budget belongs to."
  type        = string
}

variable "budget_amount" {
  description = "Monthly budget in budget_currency units."
  type        = number
}

variable "budget_currency" {
  description = "Must be the billing account's currency."
  type        = string
  default     = "IDR"
}

data "google_project" "this" {
  project_id = var.project_id
}

resource "google_monitoring_notification_channel" "email" {
  for_each = toset(var.alert_emails)

  project      = var.project_id
  display_name = "${var.name_prefix} alerts: ${each.value}"
  type         = "email"
  labels = {
    email_address = each.value
  }
}

locals {
  channels    = [for c in google_monitoring_notification_channel.email : c.id]
  service_set = join(", ", [for s in var.function_services : "\"${s}\""])
  queue_set   = join(", ", [for q in var.queues : "\"${q}\""])
}

resource "google_monitoring_alert_policy" "function_errors" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: function errors (5xx)"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "5xx responses from a function"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"run.googleapis.com/request_count\" AND metric.labels.response_code_class = \"5xx\" AND resource.labels.service_name = one_of(${local.service_set})"
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "300s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["resource.labels.service_name"]
      }
    }
  }

  documentation {
    content   = "A function answered 5xx. Logs: resource.type=\"cloud_run_revision\" severity>=ERROR. sdp-lookup answers 503 while SDP is unreachable (the task is retried)."
    mime_type = "text/markdown"
  }
}

resource "google_monitoring_alert_policy" "queue_backlog" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: Cloud Tasks backlog"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "tasks waiting in a queue"
    condition_threshold {
      filter          = "resource.type = \"cloud_tasks_queue\" AND metric.type = \"cloudtasks.googleapis.com/queue/depth\" AND resource.labels.queue_id = one_of(${local.queue_set})"
      comparison      = "COMPARISON_GT"
      threshold_value = var.queue_depth_threshold
      duration        = "900s"
      aggregations {
        alignment_period   = "300s"
        per_series_aligner = "ALIGN_MAX"
      }
    }
  }

  documentation {
    content   = "Tasks are piling up: the target function fails or is throttled. Check the queue's task logs and the function's logs."
    mime_type = "text/markdown"
  }
}

# Every failed dispatch attempt, from the queues' own task logs (stackdriver_logging_config).
resource "google_logging_metric" "task_attempt_failures" {
  project = var.project_id
  name    = "${var.name_prefix}/task_attempt_failures"
  filter  = "resource.type=\"cloud_tasks_queue\" AND jsonPayload.\"@type\"=\"type.googleapis.com/google.cloud.tasks.logging.v1.TaskActivityLog\" AND jsonPayload.attemptResponseLog.status!=\"OK\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
    labels {
      key        = "queue_id"
      value_type = "STRING"
    }
  }

  label_extractors = {
    queue_id = "EXTRACT(resource.labels.queue_id)"
  }
}

resource "google_monitoring_alert_policy" "failed_dispatches" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: failed task dispatches"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "task attempts not answered 2xx"
    condition_threshold {
      filter          = "resource.type = \"cloud_tasks_queue\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.task_attempt_failures.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = var.failed_attempts_threshold
      duration        = "0s"
      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
        group_by_fields      = ["metric.labels.queue_id"]
      }
    }
  }

  documentation {
    content   = "Cloud Tasks could not deliver tasks to their function. After the queue's last attempt a task is dropped: find its request by the task name in the queue logs."
    mime_type = "text/markdown"
  }
}

# The code hands a request to an operator with an empty candidate list after repeated SDP
# failures (services.SDP_ATTEMPTS_BEFORE_MANUAL); it logs "awaiting operator" with sdp_error.
resource "google_logging_metric" "sdp_unavailable" {
  project = var.project_id
  name    = "${var.name_prefix}/sdp_unavailable_handoffs"
  filter  = "resource.type=\"cloud_run_revision\" AND jsonPayload.message=\"awaiting operator\" AND jsonPayload.sdp_error=\"sdp_unavailable\""

  metric_descriptor {
    metric_kind = "DELTA"
    value_type  = "INT64"
  }
}

resource "google_monitoring_alert_policy" "sdp_unavailable" {
  project               = var.project_id
  display_name          = "${var.name_prefix}: SDP unreachable, requests handed over without candidates"
  combiner              = "OR"
  notification_channels = local.channels

  conditions {
    display_name = "lookups given up on SDP"
    condition_threshold {
      filter          = "resource.type = \"cloud_run_revision\" AND metric.type = \"logging.googleapis.com/user/${google_logging_metric.sdp_unavailable.name}\""
      comparison      = "COMPARISON_GT"
      threshold_value = 0
      duration        = "0s"
      aggregations {
        alignment_period     = "600s"
        per_series_aligner   = "ALIGN_SUM"
        cross_series_reducer = "REDUCE_SUM"
      }
    }
  }

  documentation {
    content   = "Operators now verify in SDP by hand. Check the SDP snapshot or the SDP web service."
    mime_type = "text/markdown"
  }
}

resource "google_billing_budget" "monthly" {
  billing_account = var.billing_account
  display_name    = "${var.name_prefix} monthly"

  budget_filter {
    projects = ["projects/${data.google_project.this.number}"]
  }

  amount {
    specified_amount {
      currency_code = var.budget_currency
      units         = tostring(var.budget_amount)
    }
  }

  threshold_rules {
    threshold_percent = 0.5
  }
  threshold_rules {
    threshold_percent = 0.9
  }
  threshold_rules {
    threshold_percent = 1.0
  }
  threshold_rules {
    threshold_percent = 1.0
    spend_basis       = "FORECASTED_SPEND"
  }

  all_updates_rule {
    monitoring_notification_channels = local.channels
    disable_default_iam_recipients   = false
  }
}
