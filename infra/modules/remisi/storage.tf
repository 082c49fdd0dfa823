# Buckets: KTP uploads (module), SDP snapshots, function source. The site bucket lives with the
# load balancer (https_frontend).

module "ktp_bucket" {
  source         = "../ktp_bucket"
  project_id     = var.project_id
  name           = "${var.project_id}-ktp"
  location       = var.region
  site_origin    = local.site_origin
  retention_days = var.retention_days
  force_destroy  = !var.deletion_protection

  depends_on = [module.services]
}

# Imported SDP exports and the SDP directory's index objects (criminal-record data: private,
# readable by sdp-lookup only). The exact objects and settings arrive with the SDP import.
resource "google_storage_bucket" "sdp_snapshots" {
  #checkov:skip=CKV_GCP_78:Snapshots are re-importable from the SDP export; old versions of prisoner data must not accumulate.
  #checkov:skip=CKV_GCP_62:Access is recorded by Data Access audit logs (storage DATA_READ/DATA_WRITE, audit.tf).
  project                     = var.project_id
  name                        = coalesce(var.sdp_snapshot_bucket_name, "${var.project_id}-sdp-snapshots")
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = !var.deletion_protection
  labels                      = local.labels

  versioning {
    enabled = false
  }

  depends_on = [module.services]
}

resource "google_storage_bucket" "function_source" {
  #checkov:skip=CKV_GCP_78:Each source archive is content-addressed (its name carries its hash); versions add nothing.
  #checkov:skip=CKV_GCP_62:Holds only code archives; audit logs cover access.
  project                     = var.project_id
  name                        = "${var.project_id}-function-source"
  location                    = var.region
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"
  force_destroy               = true
  labels                      = local.labels

  versioning {
    enabled = false
  }

  depends_on = [module.services]
}

# One archive for every function: main.py at the root next to the shared/ package, and the
# pinned runtime requirements. The local tooling lives outside shared/ (localdev/), so it
# cannot reach the archive.
locals {
  shared_files = sort([
    for f in fileset("${local.repo_root}/shared", "**") : f
    if !strcontains(f, "__pycache__") && !endswith(f, ".pyc")
  ])
}

data "archive_file" "function_source" {
  type        = "zip"
  output_path = "${path.root}/.build/function-source.zip"

  source {
    filename = "main.py"
    content  = file("${local.repo_root}/functions/main.py")
  }

  source {
    filename = "requirements.txt"
    content  = file("${local.repo_root}/requirements.txt")
  }

  dynamic "source" {
    for_each = local.shared_files
    content {
      filename = "shared/${source.value}"
      content  = file("${local.repo_root}/shared/${source.value}")
    }
  }
}

resource "google_storage_bucket_object" "function_source" {
  bucket = google_storage_bucket.function_source.name
  name   = "functions-${data.archive_file.function_source.output_sha256}.zip"
  source = data.archive_file.function_source.output_path
}

# Who can read KTP data is recorded: every object read and write, by whom.
resource "google_project_iam_audit_config" "storage" {
  project = var.project_id
  service = "storage.googleapis.com"

  audit_log_config {
    log_type = "DATA_READ"
  }
  audit_log_config {
    log_type = "DATA_WRITE"
  }
}
