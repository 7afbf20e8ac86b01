# syntax=docker/dockerfile:1
#
# Runnel container image: docker build -t <registry>/runnel:<tag> .
#
# Stage 1 builds target/runnel.jar with the Maven wrapper on a JDK and splits it into Spring Boot's
# layers (a thin runnel.jar plus lib/); stage 2 copies the layers, least likely to change first, onto
# a JRE. A code change then rebuilds only the small "application" layer, and nodes pull only that.
# Stage 2 also records a class data sharing (CDS) archive with the runtime's own JVM: starting from
# it takes about 3.1 s instead of 5.4 s here (BENCHMARKS.md), which is what a restarted pod waits.

ARG JDK_IMAGE=eclipse-temurin:21-jdk
ARG JRE_IMAGE=eclipse-temurin:21-jre

FROM ${JDK_IMAGE} AS build
WORKDIR /src
COPY mvnw pom.xml ./
COPY .mvn .mvn
COPY src/main src/main
# The cache mount keeps ~/.m2 between builds (BuildKit); tests run in CI, not here.
RUN --mount=type=cache,target=/root/.m2 ./mvnw -B -q package -Dmaven.test.skip=true
RUN java -Djarmode=tools -jar target/runnel.jar extract --layers --destination /layers

FROM ${JRE_IMAGE}
# A fixed, unprivileged UID/GID, so Kubernetes can check runAsNonRoot and set fsGroup to match.
ARG RUNNEL_UID=10001
RUN groupadd --system --gid "${RUNNEL_UID}" runnel \
 && useradd --system --uid "${RUNNEL_UID}" --gid runnel --no-create-home --home-dir /var/lib/runnel \
      --shell /usr/sbin/nologin runnel \
 && mkdir -p /var/lib/runnel \
 && chown runnel:runnel /var/lib/runnel
# The Helm chart's helm test pod, scaling hook Jobs and (with tls.clientAuth=need) probes run sh,
# curl and the usual text tools (grep, sed, awk, tr, sort) from this image. The Temurin images are
# Ubuntu with all of them; curl is installed should a base image come without it.
RUN command -v curl >/dev/null \
 || { apt-get update && apt-get install -y --no-install-recommends curl ca-certificates && rm -rf /var/lib/apt/lists/*; }
WORKDIR /opt/runnel
# Owned by root and read-only to the runtime user: the application cannot alter itself.
COPY --from=build /layers/dependencies/ ./
COPY --from=build /layers/spring-boot-loader/ ./
COPY --from=build /layers/snapshot-dependencies/ ./
COPY --from=build /layers/application/ ./
# Training run: start the application context, exit before serving (spring.context.exit), and
# archive every class loaded so far. A JVM that cannot use the archive (other flags, other JVM)
# starts without it, only slower.
RUN java -XX:ArchiveClassesAtExit=runnel.jsa -Dspring.context.exit=onRefresh -jar runnel.jar \
      --runnel.data-dir=/tmp/cds-training \
 && rm -rf /tmp/cds-training /tmp/jetty-*

# Heap as a share of the container's memory limit, leaving room for metaspace, thread stacks and
# direct buffers; an OutOfMemoryError ends the process so the kubelet restarts it cleanly.
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75.0 -XX:+ExitOnOutOfMemoryError" \
    RUNNEL_DATA_DIR=/var/lib/runnel
VOLUME /var/lib/runnel
# 8080: HTTP (public API, actuator, /internal calls). 9090: Raft, bound once clustering lands.
EXPOSE 8080 9090
USER ${RUNNEL_UID}:${RUNNEL_UID}
ENTRYPOINT ["java", "-XX:SharedArchiveFile=runnel.jsa", "-jar", "runnel.jar"]
