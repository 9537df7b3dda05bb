{{/* Names: <release>-patrol unless the release name already contains "patrol". */}}
{{- define "patrol.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "patrol.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "patrol.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object; pass (dict "ctx" $ "component" "server"). */}}
{{- define "patrol.labels" -}}
helm.sh/chart: {{ include "patrol.chart" .ctx }}
{{ include "patrol.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: patrol
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels: stable for the life of a release (Deployment selectors are immutable). */}}
{{- define "patrol.selectorLabels" -}}
app.kubernetes.io/name: {{ include "patrol.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "patrol.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "patrol.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* registry/repository:tag or @digest; global.imageRegistry wins over image.registry. */}}
{{- define "patrol.image" -}}
{{- $registry := default .Values.image.registry .Values.global.imageRegistry -}}
{{- $ref := .Values.image.repository -}}
{{- if $registry }}{{ $ref = printf "%s/%s" $registry $ref }}{{ end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $ref .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret this chart writes (secret key, admin password, external URLs). */}}
{{- define "patrol.secretName" -}}
{{- printf "%s-secrets" (include "patrol.fullname" .) -}}
{{- end -}}

{{- define "patrol.postgresql.fullname" -}}
{{- default (printf "%s-postgresql" .Release.Name) .Values.postgresql.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "patrol.redis.fullname" -}}
{{- default (printf "%s-redis" .Release.Name) .Values.redis.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
A value kept across upgrades: the given value, else the one in the release's existing Secret
(lookup; empty under `helm template`), else random. $ = (dict "ctx" . "secret" NAME "key" KEY "value" V "generate" EXPR).
*/}}
{{- define "patrol.keptSecretValue" -}}
{{- if .value -}}
{{- .value -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- .generate -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
Environment of every Patrol container: database, Redis, secret key, config. Kubernetes expands
$(VAR) from variables defined earlier in the list, which puts the Redis password into REDIS_URL
without writing it into the manifest; PostgreSQL takes the password from PGPASSWORD (node-postgres
reads it when DATABASE_URL has none).
*/}}
{{- define "patrol.env" -}}
- name: PATROL_HOME
  value: /var/lib/patrol
- name: HOME
  value: /var/lib/patrol
- name: PATROL_LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: PATROL_SECRET_KEY_FILE
  value: /etc/patrol/secrets/secret-key
{{- if .Values.postgresql.enabled }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default (include "patrol.postgresql.fullname" .) .Values.postgresql.auth.existingSecret }}
      key: password
- name: DATABASE_URL
  value: {{ printf "postgres://%s@%s:5432/%s" .Values.postgresql.auth.username (include "patrol.postgresql.fullname" .) .Values.postgresql.auth.database | quote }}
{{- else if .Values.externalDatabase.existingSecret }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalDatabase.existingSecret }}
      key: {{ .Values.externalDatabase.existingSecretKey }}
{{- else }}
{{- if .Values.externalDatabase.passwordSecret }}
- name: PGPASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalDatabase.passwordSecret }}
      key: {{ .Values.externalDatabase.passwordSecretKey }}
{{- end }}
- name: DATABASE_URL
  value: {{ required "postgresql.enabled is false: set externalDatabase.url or externalDatabase.existingSecret" .Values.externalDatabase.url | quote }}
{{- end }}
{{- if .Values.redis.enabled }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ default (include "patrol.redis.fullname" .) .Values.redis.auth.existingSecret }}
      key: password
- name: REDIS_URL
  value: {{ printf "redis://:$(REDIS_PASSWORD)@%s:6379/0" (include "patrol.redis.fullname" .) | quote }}
{{- else if .Values.externalRedis.existingSecret }}
- name: REDIS_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalRedis.existingSecret }}
      key: {{ .Values.externalRedis.existingSecretKey }}
{{- else }}
{{- $url := required "redis.enabled is false: set externalRedis.url or externalRedis.existingSecret" .Values.externalRedis.url }}
{{- if .Values.externalRedis.passwordSecret }}
- name: REDIS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.externalRedis.passwordSecret }}
      key: {{ .Values.externalRedis.passwordSecretKey }}
- name: REDIS_URL
  value: {{ regexReplaceAll "^(rediss?)://" $url "${1}://:$(REDIS_PASSWORD)@" | quote }}
{{- else }}
- name: REDIS_URL
  value: {{ $url | quote }}
{{- end }}
{{- end }}
- name: PATROL_QUEUE_PREFIX
  value: {{ .Values.externalRedis.queuePrefix | quote }}
{{- if .Values.config.patrolConfig }}
- name: PATROL_CONFIG
  value: /etc/patrol/config/config.yaml
{{- end }}
{{- if .Values.config.publicUrl }}
- name: PATROL_PUBLIC_URL
  value: {{ .Values.config.publicUrl | quote }}
{{- end }}
{{- with .Values.config.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Volumes of every Patrol pod: the secret key file, the config, writable PATROL_HOME and /tmp. */}}
{{- define "patrol.volumes" -}}
- name: secrets
  secret:
    secretName: {{ default (include "patrol.secretName" .) .Values.secretKey.existingSecret }}
    # Group-readable: secret files belong to root and the pod's fsGroup (Patrol's group).
    defaultMode: 0440
    items:
      - key: {{ ternary .Values.secretKey.existingSecretKey "secret-key" (ne .Values.secretKey.existingSecret "") }}
        path: secret-key
{{- if .Values.config.patrolConfig }}
- name: config
  configMap:
    name: {{ include "patrol.fullname" . }}-config
{{- end }}
- name: home
  emptyDir:
    sizeLimit: {{ .Values.patrolHome.sizeLimit }}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 256Mi
{{- end -}}

{{- define "patrol.volumeMounts" -}}
- name: secrets
  mountPath: /etc/patrol/secrets
  readOnly: true
{{- if .Values.config.patrolConfig }}
- name: config
  mountPath: /etc/patrol/config
  readOnly: true
{{- end }}
- name: home
  mountPath: /var/lib/patrol
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "patrol.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}
