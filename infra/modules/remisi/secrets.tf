# Secrets are declared now; their values are added by an administrator (README: "Secrets"),
# never by Terraform, so they never enter the state. Nothing reads them yet: the functions that
# do (dispatch, webhooks, the operator page) get access through their module's `secrets` map,
# which grants secretAccessor to that function's account on exactly those secrets.

locals {
  secrets = {
    sendgrid-api-key      = "SendGrid API key (email dispatch)"
    whatsapp-token        = "WhatsApp Business Cloud API access token (dispatch)"
    whatsapp-app-secret   = "WhatsApp app secret: verifies X-Hub-Signature-256 on webhooks"
    whatsapp-verify-token = "WhatsApp webhook subscription verify token (hub.verify_token)"
    session-key           = "Operator page session signing key"
    survey-token-key      = "Key of the satisfaction survey links' tokens (only their hashes are stored)"
  }
}

resource "google_secret_manager_secret" "this" {
  for_each = local.secrets

  project   = var.project_id
  secret_id = each.key
  labels    = local.labels
  annotations = {
    purpose = each.value
  }

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }

  depends_on = [module.services]
}
