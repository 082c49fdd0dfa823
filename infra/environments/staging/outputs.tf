output "load_balancer_ip" {
  value = module.remisi.load_balancer_ip
}

output "site_url" {
  value = module.remisi.site_url
}

output "site_bucket" {
  value = module.remisi.site_bucket
}

output "ktp_bucket" {
  value = module.remisi.ktp_bucket
}

output "sdp_snapshot_bucket" {
  value = module.remisi.sdp_snapshot_bucket
}

output "function_urls" {
  value = module.remisi.function_urls
}

output "service_accounts" {
  value = module.remisi.service_accounts
}

output "secrets" {
  value = module.remisi.secrets
}

output "function_environment" {
  value = module.remisi.function_environment
}
