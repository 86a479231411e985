#!/usr/bin/env bash
# Puts the Groovy jar that parses the Jenkinsfiles into .cache/groovy/ (git-ignored) and prints its path.
# Fetched once from Maven Central with Maven (`mvn dependency:copy`); later runs reuse the cached jar.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${GROOVY_VERSION:-4.0.28}"
cache="$root/.cache/groovy"
jar="$cache/groovy-$version.jar"
if [[ -s "$jar" ]]; then
  echo "$jar"
  exit 0
fi
for tool in java mvn; do
  if ! command -v "$tool" >/dev/null; then
    echo "ensure-groovy: $tool not found; install a JDK 17 and Maven 3.8+ (Debian: apt-get install openjdk-17-jdk-headless maven)" >&2
    exit 1
  fi
done
echo "ensure-groovy: fetching org.apache.groovy:groovy:$version from Maven Central into $cache" >&2
mkdir -p "$cache"
if ! mvn -q -B dependency:copy -Dartifact="org.apache.groovy:groovy:$version" -DoutputDirectory="$cache" >&2; then
  echo "ensure-groovy: Maven could not fetch org.apache.groovy:groovy:$version; check access to Maven Central (or a mirror in ~/.m2/settings.xml)" >&2
  exit 1
fi
echo "$jar"
