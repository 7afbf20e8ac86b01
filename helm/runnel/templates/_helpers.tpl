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
runnel.cluster.peers: every pod of replicaCount, self included, as id@host:httpPort:raftPort. The
id is the pod name (each pod's RUNNEL_NODE_ID); the host is its stable DNS name under the headless
Service. Empty for a single replica: a cluster of one has no peers. It bootstraps the cluster at
install; afterwards membership lives in the quorum and the list only says whom to contact, so it
reaches the pods from the ConfigMap (key cluster-peers), outside the pod template: a new
replicaCount rewrites it without restarting the running pods (they keep the list they started
with, which still names live members), and a new pod starts with the current list, itself included.
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
      "replication" (dict "follower-flush" .Values.replication.followerFlush)
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

{{/* The client Service's URL, as the helm test pod and the scaling hook Jobs call it. */}}
{{- define "runnel.clientUrl" -}}
{{ include "runnel.scheme" . }}://{{ include "runnel.fullname" . }}.{{ .Release.Namespace }}.svc.{{ .Values.clusterDomain }}:{{ .Values.service.port }}
{{- end }}

{{/*
Environment of a pod that calls the client Service with curl (the scaling hook Jobs): its URL, the
bootstrap key while security is on (RUNNEL_KEY), the CA to trust with tls on (RUNNEL_CA) and the
pods' certificate to present with tls.clientAuth=need (RUNNEL_CLIENT_CERT, RUNNEL_CLIENT_KEY).
*/}}
{{- define "runnel.clientEnv" -}}
{{- $tls := include "runnel.tlsDir" . }}
- name: RUNNEL_URL
  value: {{ include "runnel.clientUrl" . }}
{{- if .Values.security.enabled }}
- name: RUNNEL_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "runnel.bootstrapSecretName" . }}
      key: bootstrap-key
{{- end }}
{{- if .Values.tls.enabled }}
- name: RUNNEL_CA
  value: {{ $tls }}/ca.crt
{{- if eq .Values.tls.clientAuth "need" }}
- name: RUNNEL_CLIENT_CERT
  value: {{ $tls }}/tls.crt
- name: RUNNEL_CLIENT_KEY
  value: {{ $tls }}/tls.key
{{- end }}
{{- end }}
{{- end }}

{{/*
The start of a scaling hook script (POSIX sh): api METHOD PATH calls the client Service with the
credentials and trust of runnel.clientEnv and prints the body (failing, with the body, on an
HTTP error); instance ID prints that instance's object of GET /cluster (in $cluster) on one line,
nothing when the cluster does not list it; field NAME reads a field of such a line.
*/}}
{{- define "runnel.hookFunctions" -}}
set -eu
api() {
  method=$1 path=$2
  set -- -sS --fail-with-body --max-time 30 -X "$method"
  if [ -n "${RUNNEL_KEY:-}" ]; then set -- "$@" -H "Authorization: Bearer $RUNNEL_KEY"; fi
  if [ -n "${RUNNEL_CA:-}" ]; then set -- "$@" --cacert "$RUNNEL_CA"; fi
  if [ -n "${RUNNEL_CLIENT_CERT:-}" ]; then set -- "$@" --cert "$RUNNEL_CLIENT_CERT" --key "$RUNNEL_CLIENT_KEY"; fi
  curl "$@" "$RUNNEL_URL$path"
}
instance() { printf '%s' "$cluster" | tr -d ' \t\r\n' | tr '{}' '\n\n' | grep "\"id\":\"$1\"" || true; }
field() { sed -n "s/.*\"$1\":\"*\([^\",]*\).*/\1/p"; }
# The pods' instance ids the cluster lists, one a line.
members() { printf '%s' "$cluster" | tr -d ' \t\r\n' | tr '{}' '\n\n' | sed -n "s/.*\"id\":\"\($RUNNEL_STATEFULSET-[0-9][0-9]*\)\".*/\1/p"; }
deadline=$(( $(date +%s) + RUNNEL_TIMEOUT_SECONDS ))
# refresh: GET /cluster into $cluster, retried until the deadline while the Service does not answer.
refresh() {
  until cluster=$(api GET /cluster); do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "no answer from $RUNNEL_URL/cluster" >&2; exit 1; fi
    sleep "$RUNNEL_POLL_SECONDS"
  done
}
{{- end }}

{{/*
The replicas of this release's StatefulSet as it runs now, read from the cluster (0 when it does
not exist yet, and under `helm template` or a client-side dry run, which cannot look it up). The
scaling hooks compare it with replicaCount: they exist only in an upgrade that changes it.
*/}}
{{- define "runnel.currentReplicas" -}}
{{- $sts := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "runnel.fullname" .) | default dict }}
{{- dig "spec" "replicas" 0 $sts | int }}
{{- end }}

{{/*
A scaling hook Job's pod spec: the Runnel image (it has sh and curl, see the Dockerfile) running
$script, given as (list $ script name timeoutSeconds), with runnel.clientEnv, the StatefulSet's
name, the new replicaCount, the script's deadline and poll period, and the TLS Secret mounted as
in the pods when tls is on.
*/}}
{{- define "runnel.hookJobSpec" -}}
{{- $ := index . 0 }}
{{- $script := index . 1 }}
{{- $name := index . 2 }}
{{- $timeout := int (index . 3) }}
# One try: the script waits itself, and a failure must fail the upgrade.
backoffLimit: 0
activeDeadlineSeconds: {{ add $timeout 120 }}
template:
  metadata:
    labels:
      app.kubernetes.io/name: {{ include "runnel.name" $ }}
      app.kubernetes.io/instance: {{ $.Release.Name }}
      app.kubernetes.io/component: {{ $name }}
  spec:
    restartPolicy: Never
    automountServiceAccountToken: false
    enableServiceLinks: false
    {{- with $.Values.imagePullSecrets }}
    imagePullSecrets:
      {{- toYaml . | nindent 6 }}
    {{- end }}
    securityContext:
      {{- toYaml $.Values.podSecurityContext | nindent 6 }}
    containers:
      - name: {{ $name }}
        image: {{ include "runnel.image" $ }}
        imagePullPolicy: {{ $.Values.image.pullPolicy }}
        env:
          {{- include "runnel.clientEnv" $ | nindent 10 }}
          - name: RUNNEL_STATEFULSET
            value: {{ include "runnel.fullname" $ }}
          - name: RUNNEL_REPLICAS
            value: {{ $.Values.replicaCount | quote }}
          - name: RUNNEL_TIMEOUT_SECONDS
            value: {{ $timeout | quote }}
          - name: RUNNEL_POLL_SECONDS
            value: {{ $.Values.scaling.pollSeconds | quote }}
        command:
          - sh
          - -c
          - |
            {{- $script | nindent 12 }}
        securityContext:
          {{- toYaml $.Values.securityContext | nindent 10 }}
        {{- if $.Values.tls.enabled }}
        volumeMounts:
          - name: tls
            mountPath: {{ include "runnel.tlsDir" $ }}
            readOnly: true
    volumes:
      - name: tls
        secret:
          secretName: {{ $.Values.tls.existingSecret }}
        {{- end }}
{{- end }}

{{/*
Scale down: drains the instances whose pods go (<fullname>-N, N >= replicaCount), highest ordinal
first, one at a time: asks for the drain unless it is already draining or drained, waits until it
is drained, then removes it from the cluster. One deadline for all of it; a refused drain, an
error or the deadline fails the script.
*/}}
{{- define "runnel.scaleDownScript" -}}
{{ include "runnel.hookFunctions" . }}
refresh
leaving=$(members | awk -F- -v n="$RUNNEL_REPLICAS" '$NF >= n { print $NF, $0 }' | sort -rn | cut -d' ' -f2)
if [ -z "$leaving" ]; then echo "no instance at ordinal $RUNNEL_REPLICAS or above: nothing to drain"; exit 0; fi
for id in $leaving; do
  status=$(instance "$id" | field status)
  case "$status" in
    draining|drained) echo "$id is $status already" ;;
    *) echo "draining $id ($status)"; api POST "/cluster/instances/$id/drain"; echo ;;
  esac
  refresh
  until [ "$(instance "$id" | field status)" = drained ]; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "$id is not drained after ${RUNNEL_TIMEOUT_SECONDS}s: $(instance "$id")" >&2; exit 1
    fi
    sleep "$RUNNEL_POLL_SECONDS"
    refresh
  done
  echo "$id is drained; removing it from the cluster"
  api DELETE "/cluster/instances/$id"
done
echo "drained and removed: $(echo $leaving)"
{{- end }}

{{/*
Scale up: waits until the cluster lists every pod of replicaCount online (a new pod has joined),
then asks for a rebalance, so the new instances take their share of replicas and leaderships.
*/}}
{{- define "runnel.rebalanceScript" -}}
{{ include "runnel.hookFunctions" . }}
online() {
  n=0
  for id in $(members); do
    if [ "${id##*-}" -lt "$RUNNEL_REPLICAS" ] && [ "$(instance "$id" | field status)" = online ]; then n=$((n + 1)); fi
  done
  echo "$n"
}
refresh
until [ "$(online)" -ge "$RUNNEL_REPLICAS" ]; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "$(online) of $RUNNEL_REPLICAS instances online after ${RUNNEL_TIMEOUT_SECONDS}s: $cluster" >&2; exit 1
  fi
  sleep "$RUNNEL_POLL_SECONDS"
  refresh
done
echo "all $RUNNEL_REPLICAS instances are online; rebalancing"
api POST /cluster/rebalance
echo
{{- end }}
