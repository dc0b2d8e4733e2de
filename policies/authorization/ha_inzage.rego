# HA-inzage (GP record view): a care professional of another organization views a GP record for
# treatment. Needs the organization (URA), an identified professional and the treatment purpose.
package hazel.authz.ha_inzage

import rego.v1

default allow := false

allow if {
	input.token.active
	"ha-inzage" in split(input.token.scope, " ")
	input.token.organization_ura != ""
	input.token.employee_identifier != ""
	input.request.purpose_of_use == "treatment"
	input.request.method == "GET"
}
