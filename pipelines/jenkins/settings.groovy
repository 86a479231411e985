// The values from vars a Jenkinsfile reads, shared by every Jenkinsfile through the `load` step:
//   script { load('pipelines/jenkins/settings.groovy').loadSettings('frontend') }
//   script { load('pipelines/jenkins/settings.groovy').loadSettings('deploy-service', params.ENVIRONMENT) }
// (after the checkout: `load` reads the file from the workspace).

// Exports the KEY=value lines that `jenkins-settings <job> [--environment <env>]` prints as
// environment variables. `environment` is a choice parameter's value: one of the vars' names.
def loadSettings(String job, String environment = '') {
  def scope = environment ? " --environment ${environment}" : ''
  def lines = sh(script: "pnpm -s --filter pipelines jenkins-settings ${job}${scope}", returnStdout: true).trim().readLines()
  for (String line in lines) {
    def separator = line.indexOf('=')
    def key = line.substring(0, separator)
    env."${key}" = line.substring(separator + 1)
  }
}

return this
