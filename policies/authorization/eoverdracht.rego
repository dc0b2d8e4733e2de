# eOverdracht (nursing transfer): the receiving organization reads the transfer Task and the
# documents it points to. Needs an organization identified by URA and the eOverdracht scope.
package hazel.authz.eoverdracht

import rego.v1

default allow := false

allow if {
	input.token.active
	"eOverdracht-receiver" in split(input.token.scope, " ")
	input.token.organization_ura != ""
	input.request.resource_type in {"Task", "Composition", "DocumentReference", "Binary"}
}
