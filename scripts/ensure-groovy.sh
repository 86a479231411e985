#!/usr/bin/env bash
# Prints the Java classpath that parses the Jenkinsfiles: the Groovy jar and the compiled
# scripts/groovy/GroovySyntaxCheck.java, both cached in .cache/groovy/ (git-ignored).
#   java -cp "$(bash scripts/ensure-groovy.sh)" GroovySyntaxCheck FILE...
# The jar is fetched once from Maven Central with Maven (`mvn dependency:copy`); the checker is
# compiled once per content of its source. Later runs only print the cached paths: no Maven, no javac.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${GROOVY_VERSION:-4.0.28}"
# SHA-256 of groovy-4.0.28.jar (its SHA-1 matches Maven Central's published .sha1). Another version
# needs its own: GROOVY_SHA256=<sha256> GROOVY_VERSION=<version>.
if [[ -n "${GROOVY_VERSION:-}" && -z "${GROOVY_SHA256:-}" ]]; then
  echo "ensure-groovy: GROOVY_VERSION=$version needs GROOVY_SHA256, the jar's SHA-256 to check it against" >&2
  exit 1
fi
sha256="${GROOVY_SHA256:-d77164a44ab994837e61eecead64721bdb1794fa2bc6704ac6fe70cd32ef9dd3}"
cache="$root/.cache/groovy"
jar="$cache/groovy-$version.jar"
source="$root/scripts/groovy/GroovySyntaxCheck.java"
classes="$cache/checker-$version-$(sha256sum "$source" | cut -c1-16)"

need() {
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null; then
      echo "ensure-groovy: $tool not found; install a JDK 17 and Maven 3.8+ (Debian: apt-get install openjdk-17-jdk-headless maven)" >&2
      exit 1
    fi
  done
}

if [[ ! -s "$jar" ]]; then
  need java mvn
  echo "ensure-groovy: fetching org.apache.groovy:groovy:$version from Maven Central into $cache" >&2
  mkdir -p "$cache"
  if ! mvn -q -B dependency:copy -Dartifact="org.apache.groovy:groovy:$version" -DoutputDirectory="$cache" >&2; then
    echo "ensure-groovy: Maven could not fetch org.apache.groovy:groovy:$version; check access to Maven Central (or a mirror in ~/.m2/settings.xml)" >&2
    exit 1
  fi
fi

# Checked on every use, the cached copy too: a jar changed on disk never runs.
if [[ "$(sha256sum "$jar" | cut -d' ' -f1)" != "$sha256" ]]; then
  rm -f "$jar"
  echo "ensure-groovy: $jar does not have the pinned SHA-256 $sha256; removed it, run again to fetch it anew" >&2
  exit 1
fi

if [[ ! -s "$classes/GroovySyntaxCheck.class" ]]; then
  need javac
  # Compiled into a fresh folder, then renamed: a run stopped half-way leaves no half-written class.
  mkdir -p "$cache"
  staging="$(mktemp -d "$cache/.checker-XXXXXX")"
  javac -nowarn -cp "$jar" -d "$staging" "$source" >&2
  # -T: when a concurrent run got there first, keep its folder and drop this one.
  mv -T "$staging" "$classes" 2>/dev/null || rm -rf "$staging"
fi

echo "$jar:$classes"
