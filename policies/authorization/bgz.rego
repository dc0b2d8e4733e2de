# BgZ (basic health data set): a referring organization reads the BgZ of one patient. Needs the
# organization (URA) and a patient the request is about; read-only.
package hazel.authz.bgz

import rego.v1

default allow := false

allow if {
	input.token.active
	"bgz" in split(input.token.scope, " ")
	input.token.organization_ura != ""
	input.request.patient_id != ""
	input.request.method == "GET"
}
