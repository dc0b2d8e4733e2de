# MO (medication transfer): pharmacies and prescribers exchange medication data. Needs the
# organization (URA), an identified professional, and a medication resource.
package hazel.authz.mo

import rego.v1

default allow := false

allow if {
	input.token.active
	"medicatieoverdracht" in split(input.token.scope, " ")
	input.token.organization_ura != ""
	input.token.employee_identifier != ""
	input.request.resource_type in {"MedicationRequest", "MedicationDispense", "MedicationStatement", "MedicationAdministration"}
}
