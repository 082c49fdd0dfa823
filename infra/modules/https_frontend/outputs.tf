output "ip_address" {
  description = "Point the domain's DNS A record here; the managed certificate activates after that."
  value       = google_compute_global_address.this.address
}

output "site_origin" {
  value = "https://${var.domain}"
}

output "site_bucket" {
  value = google_storage_bucket.site.name
}

output "security_policy" {
  value = google_compute_security_policy.api.name
}
