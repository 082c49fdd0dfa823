# The Google APIs the service uses. Disabling on destroy is off: other things in the project may
# use them, and re-enabling is slow.

variable "project_id" {
  type = string
}

variable "services" {
  type = list(string)
}

resource "google_project_service" "this" {
  for_each = toset(var.services)

  project                    = var.project_id
  service                    = each.value
  disable_on_destroy         = false
  disable_dependent_services = false
}

output "enabled" {
  description = "The enabled services; depend on this to order resources after API enablement."
  value       = [for s in google_project_service.this : s.service]
}
