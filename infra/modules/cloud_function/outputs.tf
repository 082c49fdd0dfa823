output "name" {
  value = google_cloudfunctions2_function.this.name
}

output "url" {
  description = "The deployed cloudfunctions.net URL."
  value       = google_cloudfunctions2_function.this.url
}

output "predicted_url" {
  description = "The URL computed before deployment (equal to url; checked by a postcondition when expected_url is set)."
  value       = local.url
}

output "service" {
  description = "The Cloud Run service behind the function (for serverless NEGs and run.invoker)."
  value       = google_cloudfunctions2_function.this.service_config[0].service
}
