output "load_balancer_ip" {
  description = "Create a DNS A record DOMAIN -> this address; the certificate becomes ACTIVE after."
  value       = module.frontend.ip_address
}

output "site_url" {
  value = local.site_origin
}

output "site_bucket" {
  value = module.frontend.site_bucket
}

output "ktp_bucket" {
  value = module.ktp_bucket.name
}

output "sdp_snapshot_bucket" {
  value = google_storage_bucket.sdp_snapshots.name
}

output "function_urls" {
  description = "Every function's cloudfunctions.net URL, by entry point."
  value       = { for key, function in module.function : key => function.url }
}

output "service_accounts" {
  value = { for key, account in google_service_account.this : key => account.email }
}

output "secrets" {
  description = "Secret ids whose values the administrator adds (README: Secrets)."
  value       = [for s in google_secret_manager_secret.this : s.secret_id]
}

output "function_environment" {
  description = "Every setting some function runs with (no secrets): admin commands run with them all."
  value       = local.function_environment
}
