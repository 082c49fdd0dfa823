terraform {
  required_version = ">= 1.6"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 8.7"
    }
    archive = {
      source  = "hashicorp/archive"
      version = "~> 2.8"
    }
  }

  # Remote state in a GCS bucket (created once by hand, see infra/README.md). The bucket is
  # given at init: terraform init -backend-config="bucket=PROJECT-tfstate"
  backend "gcs" {
    prefix = "remisi/staging"
  }
}

provider "google" {
  project = var.project_id
  region  = var.region
  # The budget API needs a quota project when run with user credentials.
  user_project_override = true
  billing_project       = var.project_id
  default_labels = {
    service     = "layanan-informasi-remisi"
    environment = "staging"
  }
}
