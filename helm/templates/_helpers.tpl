{{/* Chart name, truncated to the 63 characters Kubernetes allows in names. */}}
{{- define "sockudo.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name of the release's objects; each component appends -gateway, -api, ... */}}
{{- define "sockudo.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "sockudo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "sockudo.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sockudo-ts
{{- end -}}

{{/* Selector labels of one component: call with (dict "root" $ "component" "gateway"). */}}
{{- define "sockudo.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sockudo.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "sockudo.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "sockudo.secretName" -}}
{{- default (printf "%s-app" (include "sockudo.fullname" .)) .Values.app.existingSecret -}}
{{- end -}}

{{/* host:port of the presence gRPC Service, given to gateways and the api. */}}
{{- define "sockudo.presenceAddress" -}}
{{- printf "%s-presence:%d" (include "sockudo.fullname" .) (int .Values.ports.grpc) -}}
{{- end -}}

{{/* host:port of the history gRPC Service, given to gateways and the api (with history.enabled). */}}
{{- define "sockudo.historyAddress" -}}
{{- printf "%s-history:%d" (include "sockudo.fullname" .) (int .Values.ports.historyGrpc) -}}
{{- end -}}

{{/* The Secret holding DATABASE_URL: postgres.existingSecret, else app.existingSecret. */}}
{{- define "sockudo.databaseSecretName" -}}
{{- default .Values.app.existingSecret .Values.postgres.existingSecret -}}
{{- end -}}

{{/* "true" when a component keeps data in PostgreSQL (apps, push devices, history): the Secret's DATABASE_URL
     is then given to the pods and the migration Job runs. Empty otherwise. */}}
{{- define "sockudo.usesDatabase" -}}
{{- if or .Values.postgres.enabled .Values.push.enabled .Values.history.enabled }}true{{ end -}}
{{- end -}}

{{/* Components that serve WebSockets or the HTTP API on ports.http. */}}
{{- define "sockudo.httpComponents" -}}gateway api{{- end -}}

{{/* The components this install runs, one Deployment each: push only with push.enabled, history only with
     history.enabled. */}}
{{- define "sockudo.components" -}}presence gateway api webhook{{ if .Values.push.enabled }} push{{ end }}{{ if .Values.history.enabled }} history{{ end }}{{- end -}}

{{/* The gRPC port a component serves (presence: ports.grpc, history: ports.historyGrpc); empty for the others. */}}
{{- define "sockudo.grpcPort" -}}
{{- if eq .component "presence" }}{{ .root.Values.ports.grpc }}{{ else if eq .component "history" }}{{ .root.Values.ports.historyGrpc }}{{ end -}}
{{- end -}}
