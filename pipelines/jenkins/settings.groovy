// The values from vars a Jenkinsfile reads, shared by every Jenkinsfile through the `load` step:
//   script { load('pipelines/jenkins/settings.groovy').loadSettings('frontend') }
// (after the checkout: `load` reads the file from the workspace).

// Exports the KEY=value lines that `jenkins-settings <job>` prints as environment variables.
def loadSettings(String job) {
  def lines = sh(script: "pnpm -s --filter pipelines jenkins-settings ${job}", returnStdout: true).trim().readLines()
  for (String line in lines) {
    def separator = line.indexOf('=')
    def key = line.substring(0, separator)
    env."${key}" = line.substring(separator + 1)
  }
}

return this
