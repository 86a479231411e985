// Parse-only check of Groovy sources (Jenkinsfiles): compiles each file to the CONVERSION phase,
// which builds the AST without resolving classes, so no Jenkins plugin is needed on the classpath.
// Run: java -cp "$(bash scripts/ensure-groovy.sh)" GroovySyntaxCheck FILE...  (the Groovy jar and this class,
// compiled once and cached; `java -cp <groovy jar> scripts/groovy/GroovySyntaxCheck.java FILE...` works too, slower)
// Exit 0 when every file parses; 1 with "<file>:<line>:<column>: <message>" per error otherwise.
import java.io.File;
import org.codehaus.groovy.control.CompilationUnit;
import org.codehaus.groovy.control.CompilerConfiguration;
import org.codehaus.groovy.control.MultipleCompilationErrorsException;
import org.codehaus.groovy.control.Phases;
import org.codehaus.groovy.control.messages.Message;
import org.codehaus.groovy.control.messages.SyntaxErrorMessage;
import org.codehaus.groovy.syntax.SyntaxException;

public class GroovySyntaxCheck {
  public static void main(String[] args) {
    if (args.length == 0) {
      System.err.println("usage: GroovySyntaxCheck FILE... (one or more Groovy files to parse)");
      System.exit(2);
    }
    int failures = 0;
    for (String path : args) {
      File file = new File(path);
      if (!file.isFile()) {
        System.err.println(path + ": no such file; pass the path of a Jenkinsfile");
        failures++;
        continue;
      }
      CompilationUnit unit = new CompilationUnit(new CompilerConfiguration());
      unit.addSource(file);
      try {
        unit.compile(Phases.CONVERSION);
        System.out.println(path + ": ok");
      } catch (MultipleCompilationErrorsException errors) {
        failures++;
        for (Message message : errors.getErrorCollector().getErrors()) {
          if (message instanceof SyntaxErrorMessage) {
            SyntaxException cause = ((SyntaxErrorMessage) message).getCause();
            System.err.println(path + ":" + cause.getLine() + ":" + cause.getStartColumn() + ": " + cause.getOriginalMessage());
          } else {
            System.err.println(path + ": " + message);
          }
        }
      }
    }
    System.exit(failures == 0 ? 0 : 1);
  }
}
