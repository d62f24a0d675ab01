// The feedback mode of `./jgrad shell`, loaded once at start (a start-up file would define it again
// on /reset, which jshell refuses): jshell's normal feedback, but a value is shown whole. The
// predefined modes cut the middle out of any value over 1000 characters, and a 10x10 tensor is
// longer. They do not exist yet while this file runs, so the mode is written out rather than
// copied from "normal"; the launcher selects it with --feedback jgrad.
/set mode jgrad -quiet
/set prompt jgrad "\njshell> " "   ...> "
/set format jgrad pre "|  "
/set format jgrad post "%n"
/set format jgrad errorpre "|  "
/set format jgrad errorpost "%n"
/set format jgrad name "%1$s"
/set format jgrad type "%2$s"
/set format jgrad value "%3$s"
/set format jgrad unresolved "%4$s"
/set format jgrad errors "%5$s"
/set format jgrad err "%6$s"
/set format jgrad errorline "{post}{pre}    {err}"
/set format jgrad result "{name} ==> {value}{post}" added,modified,replaced-ok-primary
/set format jgrad display "" added,modified,replaced,overwrote,dropped-update
/set format jgrad display "{result}" added,modified,replaced-expression,varvalue,assignment,varinit,vardecl-ok-primary
/set format jgrad display "{pre}created {name}{post}" class,interface,enum,annotation,record,method-added,modified,replaced-ok-primary
/set format jgrad display "{pre}{name} cannot be used until{unresolved} is declared{post}" class,interface,enum,annotation,record,method,vardecl,varinit-defined,notdefined-added,modified,replaced-primary
/set truncation jgrad 100000
