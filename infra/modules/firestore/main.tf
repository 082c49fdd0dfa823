# The Firestore database (native mode, the `(default)` database the code opens), the composite
# indexes its queries need, and TTL policies that delete documents when retention ends.

variable "project_id" {
  type = string
}

variable "location" {
  description = "Firestore location; a region (not a multi-region) keeps personal data in Indonesia."
  type        = string
}

variable "composite_indexes" {
  description = "Composite indexes, keyed by a stable name: collection and ordered fields."
  type = map(object({
    collection = string
    fields = list(object({
      field_path = string
      order      = string
    }))
  }))
}

variable "ttl_field" {
  description = "Timestamp field the TTL policy deletes documents by."
  type        = string
}

variable "ttl_collections" {
  description = "Collections whose documents are deleted once ttl_field has passed."
  type        = list(string)
}

variable "point_in_time_recovery" {
  description = "PITR keeps 7 days of document versions: useful for recovery, but deleted personal data then lingers 7 days."
  type        = bool
  default     = false
}

variable "delete_protection" {
  type    = bool
  default = true
}

resource "google_firestore_database" "this" {
  project                           = var.project_id
  name                              = "(default)"
  location_id                       = var.location
  type                              = "FIRESTORE_NATIVE"
  point_in_time_recovery_enablement = var.point_in_time_recovery ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = var.delete_protection ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  # `terraform destroy` removes the database only when delete_protection is off (see README).
  deletion_policy = "DELETE"
}

resource "google_firestore_index" "composite" {
  for_each = var.composite_indexes

  project    = var.project_id
  database   = google_firestore_database.this.name
  collection = each.value.collection

  dynamic "fields" {
    for_each = each.value.fields
    content {
      field_path = fields.value.field_path
      order      = fields.value.order
    }
  }
}

# A collection taken out of ttl_collections loses its policy on the next apply (the field's
# config returns to the default: no TTL, indexed). That is how requests, tracking codes and
# messages left it (issue 11: open requests were deleted 90 days after submission); their old
# documents still carry the field, and the retention function rewrites them without it.
resource "google_firestore_field" "ttl" {
  for_each = toset(var.ttl_collections)

  project    = var.project_id
  database   = google_firestore_database.this.name
  collection = each.value
  field      = var.ttl_field

  ttl_config {}

  # No query filters on the TTL timestamp; an empty index_config drops its single-field indexes
  # (monotonically increasing timestamps would otherwise create index hotspots).
  index_config {}
}

output "database" {
  value = google_firestore_database.this.name
}
