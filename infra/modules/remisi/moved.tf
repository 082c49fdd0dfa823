# Where the resources of the tables were before them, so an environment applied earlier moves
# its state instead of destroying and re-creating functions, accounts and grants. Safe to delete
# once every environment has applied it (tests/infra/test_iam.py checks each target exists).

moved {
  from = module.fn_submit
  to   = module.function["submit"]
}

moved {
  from = module.fn_ktp_uploaded
  to   = module.function["ktp_uploaded"]
}

moved {
  from = module.fn_sdp_lookup
  to   = module.function["sdp_lookup"]
}

moved {
  from = module.fn_status
  to   = module.function["status"]
}

moved {
  from = module.fn_reupload
  to   = module.function["reupload"]
}

moved {
  from = module.fn_sweep
  to   = module.function["sweep"]
}

moved {
  from = module.fn_operator
  to   = module.function["operator"]
}

moved {
  from = module.fn_dispatch
  to   = module.function["dispatch"]
}

moved {
  from = module.fn_sendgrid_events
  to   = module.function["sendgrid_events"]
}

moved {
  from = module.fn_whatsapp_webhook
  to   = module.function["whatsapp_webhook"]
}

moved {
  from = google_service_account.submit
  to   = google_service_account.this["submit"]
}

moved {
  from = google_service_account.ktp_uploaded
  to   = google_service_account.this["ktp_uploaded"]
}

moved {
  from = google_service_account.sdp_lookup
  to   = google_service_account.this["sdp_lookup"]
}

moved {
  from = google_service_account.status
  to   = google_service_account.this["status"]
}

moved {
  from = google_service_account.reupload
  to   = google_service_account.this["reupload"]
}

moved {
  from = google_service_account.sweep
  to   = google_service_account.this["sweep"]
}

moved {
  from = google_service_account.scheduler
  to   = google_service_account.this["scheduler"]
}

moved {
  from = google_service_account.tasks_invoker
  to   = google_service_account.this["tasks_invoker"]
}

moved {
  from = google_service_account.ktp_trigger
  to   = google_service_account.this["ktp_trigger"]
}

moved {
  from = google_service_account.build
  to   = google_service_account.this["build"]
}

moved {
  from = google_project_iam_member.submit_firestore
  to   = google_project_iam_member.this["submit roles/datastore.user"]
}

moved {
  from = google_storage_bucket_iam_member.submit_ktp_create
  to   = google_storage_bucket_iam_member.this["submit roles/storage.objectCreator bucket:ktp"]
}

moved {
  from = google_service_account_iam_member.submit_signs_as_itself
  to   = google_service_account_iam_member.this["submit roles/iam.serviceAccountTokenCreator account:submit"]
}

moved {
  from = google_project_iam_member.ktp_uploaded_firestore
  to   = google_project_iam_member.this["ktp_uploaded roles/datastore.user"]
}

moved {
  from = google_storage_bucket_iam_member.ktp_uploaded_objects
  to   = google_storage_bucket_iam_member.this["ktp_uploaded roles/storage.objectUser bucket:ktp"]
}

moved {
  from = google_service_account_iam_member.ktp_uploaded_acts_as_tasks_invoker
  to   = google_service_account_iam_member.this["ktp_uploaded roles/iam.serviceAccountUser account:tasks_invoker"]
}

moved {
  from = google_project_iam_member.sdp_lookup_firestore
  to   = google_project_iam_member.this["sdp_lookup roles/datastore.user"]
}

moved {
  from = google_storage_bucket_iam_member.sdp_lookup_snapshots
  to   = google_storage_bucket_iam_member.this["sdp_lookup roles/storage.objectViewer bucket:sdp_snapshots"]
}

moved {
  from = google_project_iam_member.status_firestore
  to   = google_project_iam_member.this["status roles/datastore.user"]
}

moved {
  from = google_project_iam_member.reupload_firestore
  to   = google_project_iam_member.this["reupload roles/datastore.user"]
}

moved {
  from = google_service_account_iam_member.reupload_signs_as_submit
  to   = google_service_account_iam_member.this["reupload roles/iam.serviceAccountTokenCreator account:submit"]
}

moved {
  from = google_project_iam_member.ktp_trigger_receiver
  to   = google_project_iam_member.this["ktp_trigger roles/eventarc.eventReceiver"]
}

moved {
  from = google_project_iam_member.build_logs
  to   = google_project_iam_member.this["build roles/logging.logWriter"]
}

moved {
  from = google_project_iam_member.build_images
  to   = google_project_iam_member.this["build roles/artifactregistry.writer"]
}

moved {
  from = google_project_iam_member.sweep_firestore
  to   = google_project_iam_member.this["sweep roles/datastore.user"]
}

moved {
  from = google_storage_bucket_iam_member.sweep_ktp_objects
  to   = google_storage_bucket_iam_member.this["sweep roles/storage.objectUser bucket:ktp"]
}

moved {
  from = google_service_account_iam_member.sweep_acts_as_tasks_invoker
  to   = google_service_account_iam_member.this["sweep roles/iam.serviceAccountUser account:tasks_invoker"]
}

moved {
  from = google_service_account.operator
  to   = google_service_account.this["operator"]
}

moved {
  from = google_project_iam_member.operator_firestore
  to   = google_project_iam_member.this["operator roles/datastore.user"]
}

moved {
  from = google_storage_bucket_iam_member.operator_ktp_read
  to   = google_storage_bucket_iam_member.this["operator roles/storage.objectViewer bucket:ktp"]
}

moved {
  from = google_service_account_iam_member.operator_signs_as_itself
  to   = google_service_account_iam_member.this["operator roles/iam.serviceAccountTokenCreator account:operator"]
}

moved {
  from = google_service_account.dispatch
  to   = google_service_account.this["dispatch"]
}

moved {
  from = google_service_account.sendgrid_events
  to   = google_service_account.this["sendgrid_events"]
}

moved {
  from = google_service_account.whatsapp_webhook
  to   = google_service_account.this["whatsapp_webhook"]
}

moved {
  from = google_project_iam_member.dispatch_firestore
  to   = google_project_iam_member.this["dispatch roles/datastore.user"]
}

moved {
  from = google_project_iam_member.sendgrid_events_firestore
  to   = google_project_iam_member.this["sendgrid_events roles/datastore.user"]
}

moved {
  from = google_project_iam_member.whatsapp_webhook_firestore
  to   = google_project_iam_member.this["whatsapp_webhook roles/datastore.user"]
}

moved {
  from = google_service_account_iam_member.operator_acts_as_tasks_invoker
  to   = google_service_account_iam_member.this["operator roles/iam.serviceAccountUser account:tasks_invoker"]
}

moved {
  from = google_service_account_iam_member.dispatch_acts_as_tasks_invoker
  to   = google_service_account_iam_member.this["dispatch roles/iam.serviceAccountUser account:tasks_invoker"]
}

moved {
  from = google_service_account_iam_member.sendgrid_events_acts_as_tasks_invoker
  to   = google_service_account_iam_member.this["sendgrid_events roles/iam.serviceAccountUser account:tasks_invoker"]
}

moved {
  from = google_service_account_iam_member.whatsapp_webhook_acts_as_tasks_invoker
  to   = google_service_account_iam_member.this["whatsapp_webhook roles/iam.serviceAccountUser account:tasks_invoker"]
}
