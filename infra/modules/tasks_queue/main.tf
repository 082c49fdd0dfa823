# One Cloud Tasks queue with its retry policy and rate limits, and who may add tasks to it.

variable "project_id" {
  type = string
}

variable "region" {
  type = string
}

variable "name" {
  description = "Queue id; must equal the value the code is configured with."
  type        = string
}

variable "max_attempts" {
  description = "Attempts per task including the first (-1 = unlimited)."
  type        = number
}

variable "min_backoff" {
  type = string
}

variable "max_backoff" {
  type = string
}

variable "max_doublings" {
  type = number
}

variable "max_retry_duration" {
  description = "Give up on a task after this long, whatever max_attempts says (0s = no limit)."
  type        = string
  default     = "0s"
}

variable "max_dispatches_per_second" {
  type = number
}

variable "max_concurrent_dispatches" {
  type = number
}

variable "enqueuer_members" {
  description = "IAM members that create tasks in this queue (roles/cloudtasks.enqueuer on the queue only)."
  type        = list(string)
  default     = []
}

resource "google_cloud_tasks_queue" "this" {
  project  = var.project_id
  location = var.region
  name     = var.name

  rate_limits {
    max_dispatches_per_second = var.max_dispatches_per_second
    max_concurrent_dispatches = var.max_concurrent_dispatches
  }

  retry_config {
    max_attempts       = var.max_attempts
    min_backoff        = var.min_backoff
    max_backoff        = var.max_backoff
    max_doublings      = var.max_doublings
    max_retry_duration = var.max_retry_duration
  }

  # One log entry per attempt (task names and outcomes only, no payloads): the source of the
  # failed-attempt metric in the monitoring module.
  stackdriver_logging_config {
    sampling_ratio = 1.0
  }
}

resource "google_cloud_tasks_queue_iam_member" "enqueuer" {
  for_each = toset(var.enqueuer_members)

  project  = var.project_id
  location = var.region
  name     = google_cloud_tasks_queue.this.name
  role     = "roles/cloudtasks.enqueuer"
  member   = each.value
}

output "name" {
  value = google_cloud_tasks_queue.this.name
}
