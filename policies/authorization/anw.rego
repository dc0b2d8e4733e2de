# ANW (out-of-hours GP care): the GP post reads and writes the patient's summary during evening,
# night and weekend shifts. Needs the organization (URA) and an identified professional with a role.
package hazel.authz.anw

import rego.v1

default allow := false

allow if {
	input.token.active
	"anw" in split(input.token.scope, " ")
	input.token.organization_ura != ""
	input.token.employee_identifier != ""
	input.token.employee_role != ""
}
