{{/* Name of the chart, for labels. */}}
{{- define "runnel.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified name, the prefix of every object: <release>-runnel, or the release name when it
already contains the chart name. Pods are <fullname>-0, <fullname>-1, ...; 52 characters leave room
for the StatefulSet's pod suffix and the controller-revision label.
*/}}
{{- define "runnel.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "runnel.headlessServiceName" -}}
{{- printf "%s-headless" (include "runnel.fullname" .) }}
{{- end }}

{{- define "runnel.secretName" -}}
{{- default (include "runnel.fullname" .) .Values.cluster.existingSecret }}
{{- end }}

{{/* The Secret holding bootstrap-key: the chart's own, or security.existingSecret. */}}
{{- define "runnel.bootstrapSecretName" -}}
{{- default (include "runnel.fullname" .) .Values.security.existingSecret }}
{{- end }}

{{/* Where the tls.existingSecret is mounted in the pods (and the helm test pod). */}}
{{- define "runnel.tlsDir" -}}
/etc/runnel-tls
{{- end }}

{{/* http or https, as the pods serve. */}}
{{- define "runnel.scheme" -}}
{{- if .Values.tls.enabled }}https{{ else }}http{{ end }}
{{- end }}

{{/*
A probe's action for the health path given as (list $ path): an httpGet on the http port, HTTPS
with tls on (the kubelet does not verify the certificate). With tls.clientAuth=need the kubelet
cannot connect (it has no client certificate), so curl in the container asks instead, presenting
the pod's own certificate.
*/}}
{{- define "runnel.probeAction" -}}
{{- $ := index . 0 }}
{{- $path := index . 1 }}
{{- if and $.Values.tls.enabled (eq $.Values.tls.clientAuth "need") }}
exec:
  command:
    - curl
    - -fsS
    - -o
    - /dev/null
    - --insecure
    - --cert
    - {{ include "runnel.tlsDir" $ }}/tls.crt
    - --key
    - {{ include "runnel.tlsDir" $ }}/tls.key
    - https://127.0.0.1:{{ $.Values.ports.http }}{{ $path }}
{{- else }}
httpGet:
  path: {{ $path }}
  port: http
  {{- if $.Values.tls.enabled }}
  scheme: HTTPS
  {{- end }}
{{- end }}
{{- end }}

{{- define "runnel.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "runnel.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "runnel.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selects the Runnel pods (not the helm test pod, whose component differs). */}}
{{- define "runnel.selectorLabels" -}}
app.kubernetes.io/name: {{ include "runnel.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{/*
runnel.cluster.peers: every member, self included, as id@host:httpPort:raftPort. The id is the
pod name (each pod's RUNNEL_NODE_ID); the host is its stable DNS name under the headless Service.
Empty for a single replica: a cluster of one has no peers.
*/}}
{{- define "runnel.peers" -}}
{{- $fullname := include "runnel.fullname" . }}
{{- $domain := printf "%s.%s.svc.%s" (include "runnel.headlessServiceName" .) .Release.Namespace .Values.clusterDomain }}
{{- $peers := list }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- range $i := until (int .Values.replicaCount) }}
{{- $pod := printf "%s-%d" $fullname $i }}
{{- $peers = append $peers (printf "%s@%s.%s:%d:%d" $pod $pod $domain (int $.Values.ports.http) (int $.Values.ports.raft)) }}
{{- end }}
{{- end }}
{{- join "," $peers }}
{{- end }}

{{/*
The pods' application.yaml: the chart's settings, then .Values.config over them. Nothing secret:
the cluster secret and the bootstrap key reach the pods as environment variables from the Secret.
*/}}
{{- define "runnel.applicationYaml" -}}
{{- $chart := dict "runnel" (dict
      "storage" (dict "flush" .Values.storage.flush "flush-interval" .Values.storage.flushInterval)
      "topics" (dict
        "auto-create" .Values.topics.autoCreate
        "default-partitions" .Values.topics.defaultPartitions
        "default-replication-factor" .Values.topics.defaultReplicationFactor)) }}
{{- $oidc := dict }}
{{- range $key, $name := dict "issuerUri" "issuer-uri" "jwkSetUri" "jwk-set-uri" "audience" "audience" "principalClaim" "principal-claim" }}
{{- with index $.Values.security.oidc $key }}
{{- $_ := set $oidc $name . }}
{{- end }}
{{- end }}
{{- if $oidc }}
{{- $_ := set $chart.runnel "security" (dict "oidc" $oidc) }}
{{- end }}
{{- toYaml (mustMergeOverwrite $chart (deepCopy .Values.config)) }}
{{- end }}
