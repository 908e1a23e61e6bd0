{{/* Names and labels. */}}
{{- define "mcp-gateway.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "mcp-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "mcp-gateway.labels" -}}
{{ include "mcp-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret holding session-secret and the keys file (or admin key): the user's, or the chart's. */}}
{{- define "mcp-gateway.authSecret" -}}
{{- .Values.auth.existingSecret | default (include "mcp-gateway.fullname" .) -}}
{{- end -}}

{{/* How keys reach the pods: "file" (a keys file from a Secret, read-only) or "admin" (one admin key). */}}
{{- define "mcp-gateway.keysMode" -}}
{{- if or .Values.auth.existingSecret .Values.auth.keysFile -}}file{{- else -}}admin{{- end -}}
{{- end -}}

{{- define "mcp-gateway.redisEnabled" -}}
{{- if or .Values.redis.url .Values.redis.existingSecret -}}true{{- end -}}
{{- end -}}

{{- define "mcp-gateway.keysDir" -}}/etc/mcp-gateway/keys{{- end -}}
{{- define "mcp-gateway.dataDir" -}}/var/lib/mcp-gateway{{- end -}}

{{/*
The gateway.yaml the pods run: the user's config with the sections the pod layout fixes. The auth: section
is always there, which is what lets the gateway bind 0.0.0.0 (as deploy/docker-auth.yaml does for the image).
*/}}
{{- define "mcp-gateway.config" -}}
{{- $config := deepCopy (.Values.config | default dict) -}}
{{- $server := get $config "server" | default dict -}}
{{- $_ := set $server "port" (int .Values.port) -}}
{{- $_ := unset $server "host" -}}
{{- $_ := set $config "server" $server -}}
{{- $auth := get $config "auth" | default dict -}}
{{- if eq (include "mcp-gateway.keysMode" .) "file" -}}
{{- $_ := set $auth "keys_file" (printf "%s/gateway.keys.json" (include "mcp-gateway.keysDir" .)) -}}
{{- else -}}
{{- $_ := set $auth "keys_file" (printf "${MCP_GATEWAY_DATA_DIR:-%s}/gateway.keys.json" (include "mcp-gateway.dataDir" .)) -}}
{{- end -}}
{{- $_ := set $config "auth" $auth -}}
{{- if include "mcp-gateway.redisEnabled" . -}}
{{- $prefix := .Values.redis.keyPrefix | default (printf "%s:" (include "mcp-gateway.fullname" .)) -}}
{{- $redis := merge (dict "url" "${REDIS_URL}" "key_prefix" $prefix) (deepCopy (.Values.redis.options | default dict)) -}}
{{- $_ := set $redis "url" "${REDIS_URL}" -}}
{{- $_ := set $config "redis" $redis -}}
{{- else -}}
{{- $_ := unset $config "redis" -}}
{{- end -}}
{{- toYaml $config -}}
{{- end -}}
