<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="de">
<context>
    <name>ActivityDock</name>
    <message>
        <source>Activity</source>
        <translation>Aktivität</translation>
    </message>
    <message>
        <source>All events</source>
        <translation>Alle Ereignisse</translation>
    </message>
    <message>
        <source>Job or file…</source>
        <translation>Auftrag oder Datei…</translation>
    </message>
    <message>
        <source>Worker…</source>
        <translation>Worker filtern…</translation>
    </message>
</context>
<context>
    <name>ActivityModel</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
</context>
<context>
    <name>AddPlaysDialog</name>
    <message>
        <source>Add Plays</source>
        <translation>Stücke hinzufügen</translation>
    </message>
    <message>
        <source>Reading the files…</source>
        <translation>Die Dateien werden gelesen…</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Stück</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Ordner</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Größe</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Hinweis</translation>
    </message>
    <message>
        <source>Higher runs first</source>
        <translation>Höhere zuerst</translation>
    </message>
    <message>
        <source> lines</source>
        <translation> Zeilen</translation>
    </message>
    <message>
        <source>Lines per chunk: a checkpoint is kept after each</source>
        <translation>Zeilen je Abschnitt: nach jedem wird ein Prüfpunkt gespeichert</translation>
    </message>
    <message>
        <source>Built-in parser (heuristic)</source>
        <translation>Eingebauter Parser (heuristisch)</translation>
    </message>
    <message>
        <source>Language model (%1)</source>
        <translation>Sprachmodell (%1)</translation>
    </message>
    <message>
        <source>Retries before a job fails</source>
        <translation>Wiederholungen, bevor ein Auftrag fehlschlägt</translation>
    </message>
    <message>
        <source>&amp;Priority:</source>
        <translation>&amp;Priorität:</translation>
    </message>
    <message>
        <source>&amp;Chunk size:</source>
        <translation>&amp;Abschnittsgröße:</translation>
    </message>
    <message>
        <source>Pa&amp;rser:</source>
        <translation>Pa&amp;rser:</translation>
    </message>
    <message>
        <source>Max &amp;retries:</source>
        <translation>Max. &amp;Wiederholungen:</translation>
    </message>
    <message>
        <source>&amp;Enqueue</source>
        <translation>&amp;Einreihen</translation>
    </message>
    <message>
        <source>(pasted text)</source>
        <translation>(eingefügter Text)</translation>
    </message>
    <message>
        <source>the same text as %1 above</source>
        <translation>derselbe Text wie %1 weiter oben</translation>
    </message>
    <message>
        <source>(Could not check for plays already in the queue: %1)</source>
        <translation>(Prüfung auf bereits eingereihte Stücke nicht möglich: %1)</translation>
    </message>
    <message>
        <source>already in the queue: %1 (%2, same file)</source>
        <translation>schon in der Warteschlange: %1 (%2, dieselbe Datei)</translation>
    </message>
    <message>
        <source>already in the queue from this file, with other text: %1 (%2)</source>
        <translation>aus dieser Datei schon in der Warteschlange, mit anderem Text: %1 (%2)</translation>
    </message>
    <message>
        <source>already in the queue: %1 (%2, same text)</source>
        <translation>schon in der Warteschlange: %1 (%2, derselbe Text)</translation>
    </message>
    <message numerus="yes">
        <source>%n of %1 file(s) will be enqueued.</source>
        <translation><numerusform>%n von %1 Datei(en) wird eingereiht.</numerusform><numerusform>%n von %1 Datei(en) werden eingereiht.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n play(s) are already in the queue: tick them to add them again.</source>
        <translation><numerusform>%n Stück ist schon in der Warteschlange: zum erneuten Hinzufügen ankreuzen.</numerusform><numerusform>%n Stücke sind schon in der Warteschlange: zum erneuten Hinzufügen ankreuzen.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>&amp;Enqueue %n Play(s)</source>
        <translation><numerusform>%n Stück &amp;einreihen</numerusform><numerusform>%n Stücke &amp;einreihen</numerusform></translation>
    </message>
</context>
<context>
    <name>ConnectionDialog</name>
    <message>
        <source>Connect to a Queue Database</source>
        <translation>Mit einer Auftragsdatenbank verbinden</translation>
    </message>
    <message>
        <source>(choose a recent connection)</source>
        <translation>(zuletzt benutzte Verbindung wählen)</translation>
    </message>
    <message>
        <source>Embedded SQLite file (this computer only)</source>
        <translation>Eingebettete SQLite-Datei (nur dieser Rechner)</translation>
    </message>
    <message>
        <source>PostgreSQL server (shared by many computers)</source>
        <translation>PostgreSQL-Server (von mehreren Rechnern geteilt)</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>Database file:</source>
        <translation>Datenbankdatei:</translation>
    </message>
    <message>
        <source>The file is created if it does not exist. Only this computer's workers can share it.</source>
        <translation>Die Datei wird angelegt, falls sie fehlt. Nur die Worker dieses Rechners können sie teilen.</translation>
    </message>
    <message>
        <source>Remember the password in the system keychain</source>
        <translation>Passwort im Schlüsselbund des Systems speichern</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>Port:</translation>
    </message>
    <message>
        <source>Host:</source>
        <translation>Host:</translation>
    </message>
    <message>
        <source>Database:</source>
        <translation>Datenbank:</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Benutzer:</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Passwort:</translation>
    </message>
    <message>
        <source>SSL mode:</source>
        <translation>SSL-Modus:</translation>
    </message>
    <message>
        <source>&amp;Test Connection</source>
        <translation>Verbindung &amp;testen</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>&amp;Verbinden</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Queue database</source>
        <translation>Auftragsdatenbank</translation>
    </message>
    <message>
        <source>Recent:</source>
        <translation>Zuletzt:</translation>
    </message>
    <message>
        <source>Queue Database File</source>
        <translation>Datei der Auftragsdatenbank</translation>
    </message>
    <message>
        <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
        <translation>SQLite-Datenbanken (*.db *.sqlite);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Looking for the password in the system keychain…</source>
        <translation>Passwort wird im Schlüsselbund gesucht…</translation>
    </message>
    <message>
        <source>Password taken from the keychain.</source>
        <translation>Passwort aus dem Schlüsselbund übernommen.</translation>
    </message>
    <message>
        <source>No keychain is available: please enter the password.</source>
        <translation>Kein Schlüsselbund verfügbar: Bitte geben Sie das Passwort ein.</translation>
    </message>
    <message>
        <source>Choose a database file.</source>
        <translation>Wählen Sie eine Datenbankdatei.</translation>
    </message>
    <message>
        <source>Enter the server's host name.</source>
        <translation>Geben Sie den Hostnamen des Servers ein.</translation>
    </message>
    <message>
        <source>The port must be a number from 1 to 65535.</source>
        <translation>Der Port muss eine Zahl von 1 bis 65535 sein.</translation>
    </message>
    <message>
        <source>Enter the database name.</source>
        <translation>Geben Sie den Namen der Datenbank ein.</translation>
    </message>
    <message>
        <source>Connected to %1. The queue tables will be created.</source>
        <translation>Verbunden mit %1. Die Tabellen der Warteschlange werden angelegt.</translation>
    </message>
    <message>
        <source>Connected to %1 (schema version %2).</source>
        <translation>Verbunden mit %1 (Schemaversion %2).</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbindung zu %1 wird aufgebaut…</translation>
    </message>
</context>
<context>
    <name>Duration</name>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
</context>
<context>
    <name>Engine</name>
    <message>
        <source>The queue file %1 is damaged (%2). Callboard will not work on it; a copy of it was kept as %3. Restore a backup or choose another file in File → Connect to Database.</source>
        <translation>Die Warteschlangendatei %1 ist beschädigt (%2). Callboard arbeitet nicht damit; eine Kopie wurde als %3 aufbewahrt. Stellen Sie eine Sicherung wieder her oder wählen Sie unter Datei → Mit Datenbank verbinden eine andere Datei.</translation>
    </message>
    <message>
        <source>The queue file %1 is damaged (%2). Callboard will not work on it (no copy could be kept beside it). Restore a backup or choose another file in File → Connect to Database.</source>
        <translation>Die Warteschlangendatei %1 ist beschädigt (%2). Callboard arbeitet nicht damit (es konnte keine Kopie daneben angelegt werden). Stellen Sie eine Sicherung wieder her oder wählen Sie unter Datei → Mit Datenbank verbinden eine andere Datei.</translation>
    </message>
    <message>
        <source>Another program deleted the write-ahead log of %1 while Callboard was still using it: changes made since may be lost. Callboard reconnects to the file.</source>
        <translation>Ein anderes Programm hat das Write-Ahead-Log von %1 gelöscht, während Callboard es noch benutzte: Seitdem gemachte Änderungen können verloren sein. Callboard verbindet sich neu mit der Datei.</translation>
    </message>
    <message>
        <source>The queue file %1 was deleted or replaced while Callboard had it open.</source>
        <translation>Die Warteschlangendatei %1 wurde gelöscht oder ersetzt, während Callboard sie geöffnet hatte.</translation>
    </message>
    <message>
        <source>The chunk size must be a whole number from 1 to 1000000</source>
        <translation>Die Abschnittsgröße muss eine ganze Zahl von 1 bis 1000000 sein</translation>
    </message>
    <message>
        <source>Unknown provider '%1' (use %2)</source>
        <translation>Unbekannter Anbieter „%1“ (verwenden Sie %2)</translation>
    </message>
    <message>
        <source>A restart cannot change '%1' (only chunkSize and provider)</source>
        <translation>Ein Neubeginn kann „%1“ nicht ändern (nur chunkSize und provider)</translation>
    </message>
    <message>
        <source>Job %1 is running (worker %2): pause or cancel it first, then restart it</source>
        <translation>Auftrag %1 läuft (Worker %2): zuerst pausieren oder abbrechen, dann neu beginnen</translation>
    </message>
    <message>
        <source>SQLite database %1: %2</source>
        <translation>SQLite-Datenbank %1: %2</translation>
    </message>
    <message>
        <source>PostgreSQL at %1 refused the login of user '%2': wrong or missing password</source>
        <translation>PostgreSQL auf %1 hat die Anmeldung von Benutzer „%2“ abgelehnt: falsches oder fehlendes Passwort</translation>
    </message>
    <message>
        <source>Cannot reach PostgreSQL at %1: %2</source>
        <translation>PostgreSQL auf %1 ist nicht erreichbar: %2</translation>
    </message>
    <message>
        <source>PostgreSQL at %1: %2</source>
        <translation>PostgreSQL auf %1: %2</translation>
    </message>
    <message>
        <source>The Qt PostgreSQL driver (QPSQL) is not installed (Debian package libqt6sql6-psql)</source>
        <translation>Der Qt-PostgreSQL-Treiber (QPSQL) ist nicht installiert (Debian-Paket libqt6sql6-psql)</translation>
    </message>
    <message>
        <source>The Qt SQLite driver (QSQLITE) is not installed</source>
        <translation>Der Qt-SQLite-Treiber (QSQLITE) ist nicht installiert</translation>
    </message>
    <message>
        <source>Cannot create the folder %1</source>
        <translation>Der Ordner %1 kann nicht angelegt werden</translation>
    </message>
    <message>
        <source>Database URL '%1' names no SQLite file</source>
        <translation>Die Datenbank-URL „%1“ nennt keine SQLite-Datei</translation>
    </message>
    <message>
        <source>Database URL is not a valid postgres:// URL (expected postgres://user:password@host:port/database)</source>
        <translation>Die Datenbank-URL ist keine gültige postgres://-URL (erwartet: postgres://user:password@host:port/database)</translation>
    </message>
    <message>
        <source>Database URL has an invalid port</source>
        <translation>Die Datenbank-URL hat einen ungültigen Port</translation>
    </message>
    <message>
        <source>Database URL names no database (expected postgres://user@host:port/database)</source>
        <translation>Die Datenbank-URL nennt keine Datenbank (erwartet: postgres://user@host:port/database)</translation>
    </message>
    <message>
        <source>Unknown sslmode '%1' (use one of %2)</source>
        <translation>Unbekannter sslmode „%1“ (erlaubt: %2)</translation>
    </message>
    <message>
        <source>Unsupported database URL '%1': use sqlite:PATH or postgres://…</source>
        <translation>Nicht unterstützte Datenbank-URL „%1“: sqlite:PFAD oder postgres://… verwenden</translation>
    </message>
    <message>
        <source>Job %1 cannot go from %2 to %3</source>
        <translation>Auftrag %1 kann nicht von %2 nach %3 wechseln</translation>
    </message>
    <message>
        <source>No job with id %1</source>
        <translation>Kein Auftrag mit der Kennung %1</translation>
    </message>
    <message>
        <source>A job needs a filename</source>
        <translation>Ein Auftrag braucht einen Dateinamen</translation>
    </message>
    <message>
        <source>Priority %1 is out of range (%2 to %3)</source>
        <translation>Priorität %1 liegt außerhalb des Bereichs (%2 bis %3)</translation>
    </message>
    <message>
        <source>Job %1 is already %2</source>
        <translation>Auftrag %1 ist bereits %2</translation>
    </message>
    <message>
        <source>Job %1 is %2: only %3 jobs can be resumed</source>
        <translation>Auftrag %1 ist %2: nur Aufträge im Zustand %3 können fortgesetzt werden</translation>
    </message>
    <message>
        <source>Job %1 is %2: only %3 jobs can be retried</source>
        <translation>Auftrag %1 ist %2: nur Aufträge im Zustand %3 können wiederholt werden</translation>
    </message>
    <message>
        <source>Job %1 is completed: its priority no longer matters</source>
        <translation>Auftrag %1 ist abgeschlossen: seine Priorität spielt keine Rolle mehr</translation>
    </message>
    <message>
        <source>The table "%1" in database %2 is not Callboard's (it has no column "%3"): Callboard leaves it as it is; use another database</source>
        <translation>Die Tabelle „%1“ in der Datenbank %2 gehört nicht zu Callboard (ihr fehlt die Spalte „%3“): Callboard lässt sie unverändert; bitte eine andere Datenbank verwenden</translation>
    </message>
    <message>
        <source>The database schema is version %1, newer than this Callboard understands (%2): upgrade Callboard</source>
        <translation>Das Datenbankschema hat Version %1, neuer als diese Callboard-Version versteht (%2): bitte Callboard aktualisieren</translation>
    </message>
    <message>
        <source>The database schema is at version %1 and needs migrating to %2, but user '%3' may not change the schema (%4): run `callboard migrate` once as the owner of the tables, with the CREATE right on the schema</source>
        <translation>Das Datenbankschema hat Version %1 und muss auf %2 migriert werden, aber Benutzer „%3“ darf das Schema nicht ändern (%4): `callboard migrate` einmal als Eigentümer der Tabellen mit dem CREATE-Recht auf dem Schema ausführen</translation>
    </message>
    <message>
        <source>The database schema is at version %1 and needs migrating to %2, but the SQLite file %3 is read-only (%4): run `callboard migrate` once with write access to the file and its folder</source>
        <translation>Das Datenbankschema hat Version %1 und muss auf %2 migriert werden, aber die SQLite-Datei %3 ist schreibgeschützt (%4): `callboard migrate` einmal mit Schreibrecht auf Datei und Ordner ausführen</translation>
    </message>
    <message>
        <source>Migration %1 (%2) failed: %3</source>
        <translation>Migration %1 (%2) fehlgeschlagen: %3</translation>
    </message>
    <message>
        <source>Cannot LISTEN on %1</source>
        <translation>LISTEN auf %1 nicht möglich</translation>
    </message>
    <message>
        <source>Job %1 is %2: only completed, failed or cancelled jobs can be removed (cancel it first)</source>
        <translation>Auftrag %1 ist %2: nur abgeschlossene, fehlgeschlagene oder abgebrochene Aufträge können entfernt werden (zuerst abbrechen)</translation>
    </message>
    <message>
        <source>There is no character "%1".</source>
        <translation>Es gibt keine Person „%1“.</translation>
    </message>
    <message>
        <source>A character needs a name.</source>
        <translation>Eine Person braucht einen Namen.</translation>
    </message>
    <message>
        <source>"%1" is another character already: merge the two instead.</source>
        <translation>„%1“ ist schon eine andere Person: führen Sie die beiden stattdessen zusammen.</translation>
    </message>
    <message>
        <source>A character cannot be merged into itself.</source>
        <translation>Eine Person kann nicht mit sich selbst zusammengeführt werden.</translation>
    </message>
    <message>
        <source>"%1" is another character already.</source>
        <translation>„%1“ ist schon eine andere Person.</translation>
    </message>
    <message>
        <source>Choose the names that belong to the new character.</source>
        <translation>Wählen Sie die Namen, die zur neuen Person gehören.</translation>
    </message>
    <message>
        <source>"%1" is not a name of "%2".</source>
        <translation>„%1“ ist kein Name von „%2“.</translation>
    </message>
    <message>
        <source>That speech does not exist.</source>
        <translation>Diese Replik gibt es nicht.</translation>
    </message>
    <message>
        <source>Unknown correction "%1".</source>
        <translation>Unbekannte Korrektur „%1“.</translation>
    </message>
    <message>
        <source>Job %1 failed for a reason no retry can fix: start it over (restart) with another configuration, or remove it</source>
        <translation>Auftrag %1 ist aus einem Grund gescheitert, den keine Wiederholung behebt: starten Sie ihn mit einer anderen Konfiguration neu (restart) oder entfernen Sie ihn</translation>
    </message>
    <message>
        <source>The database did not answer and the connections were cut</source>
        <translation>Die Datenbank hat nicht geantwortet, die Verbindungen wurden getrennt</translation>
    </message>
    <message>
        <source>(no filename)</source>
        <translation>(kein Dateiname)</translation>
    </message>
    <message>
        <source>%1 is empty: there is no play text to parse</source>
        <translation>%1 ist leer: Es gibt keinen Stücktext zum Einlesen</translation>
    </message>
    <message>
        <source>%1 is %2 MB, over the limit of %3 MB</source>
        <translation>%1 ist %2 MB groß und überschreitet die Grenze von %3 MB</translation>
    </message>
    <message>
        <source>%1 is not a text file (it contains NUL bytes)</source>
        <translation>%1 ist keine Textdatei (sie enthält NUL-Bytes)</translation>
    </message>
    <message>
        <source>%1 is not valid UTF-8 text</source>
        <translation>%1 ist kein gültiger UTF-8-Text</translation>
    </message>
    <message>
        <source>maxRetries %1 is out of range (0 to %2)</source>
        <translation>maxRetries %1 liegt außerhalb des Bereichs (0 bis %2)</translation>
    </message>
    <message>
        <source>chunkSize must be a positive number</source>
        <translation>chunkSize muss eine positive Zahl sein</translation>
    </message>
    <message>
        <source>not a Callboard database (it holds %1): Callboard leaves it as it is; choose another file</source>
        <translation>keine Callboard-Datenbank (sie enthält %1): Callboard lässt sie unverändert; bitte eine andere Datei wählen</translation>
    </message>
    <message>
        <source>running, but the lock of worker %1 expired at %2</source>
        <translation>läuft, aber die Sperre von Worker %1 ist um %2 abgelaufen</translation>
    </message>
    <message>
        <source>retried %1 times</source>
        <translation>%1-mal wiederholt</translation>
    </message>
    <message>
        <source>retried %1 times; last error: %2</source>
        <translation>%1-mal wiederholt; letzter Fehler: %2</translation>
    </message>
    <message>
        <source>paused since %1</source>
        <translation>pausiert seit %1</translation>
    </message>
</context>
<context>
    <name>FileEnqueuer</name>
    <message>
        <source>does not exist</source>
        <translation>existiert nicht</translation>
    </message>
    <message>
        <source>is not a regular file</source>
        <translation>ist keine normale Datei</translation>
    </message>
    <message>
        <source>is empty</source>
        <translation>ist leer</translation>
    </message>
    <message>
        <source>is too large (%1 MB, the limit is %2 MB)</source>
        <translation>ist zu groß (%1 MB, die Grenze ist %2 MB)</translation>
    </message>
    <message>
        <source>cannot be read (%1)</source>
        <translation>kann nicht gelesen werden (%1)</translation>
    </message>
    <message>
        <source>is too large</source>
        <translation>ist zu groß</translation>
    </message>
    <message>
        <source>is a binary file, not text</source>
        <translation>ist eine Binärdatei, kein Text</translation>
    </message>
    <message>
        <source>is not UTF-8 text</source>
        <translation>ist kein UTF-8-Text</translation>
    </message>
    <message>
        <source>is the queue database itself</source>
        <translation>ist die Auftragsdatenbank selbst</translation>
    </message>
</context>
<context>
    <name>GuiApp</name>
    <message>
        <source>Not Connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Verbindung zu %1 wird aufgebaut…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Connecting was cancelled.</source>
        <translation>Der Verbindungsaufbau wurde abgebrochen.</translation>
    </message>
    <message>
        <source>Reopened the queue database: %1</source>
        <translation>Auftragsdatenbank neu geöffnet: %1</translation>
    </message>
</context>
<context>
    <name>JobActions</name>
    <message>
        <source>reprioritised</source>
        <translation>neu priorisiert</translation>
    </message>
    <message>
        <source>&amp;Add Files…</source>
        <translation>Dateien &amp;hinzufügen…</translation>
    </message>
    <message>
        <source>Enqueue play files or folders</source>
        <translation>Stückdateien oder Ordner einreihen</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>&amp;Pausieren</translation>
    </message>
    <message>
        <source>Pause the selected jobs (a running job stops at its next chunk)</source>
        <translation>Ausgewählte Aufträge pausieren (ein laufender Auftrag hält am nächsten Abschnitt an)</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Fortsetzen</translation>
    </message>
    <message>
        <source>Put the selected paused jobs back in the queue</source>
        <translation>Ausgewählte pausierte Aufträge wieder einreihen</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>Abb&amp;rechen</translation>
    </message>
    <message>
        <source>Cancel the selected jobs</source>
        <translation>Ausgewählte Aufträge abbrechen</translation>
    </message>
    <message>
        <source>Re&amp;try</source>
        <translation>&amp;Wiederholen</translation>
    </message>
    <message>
        <source>Priority &amp;Up</source>
        <translation>Priorität &amp;erhöhen</translation>
    </message>
    <message>
        <source>Raise the priority of the selected jobs by one</source>
        <translation>Priorität der ausgewählten Aufträge um eins erhöhen</translation>
    </message>
    <message>
        <source>Priority &amp;Down</source>
        <translation>Priorität &amp;senken</translation>
    </message>
    <message>
        <source>Lower the priority of the selected jobs by one</source>
        <translation>Priorität der ausgewählten Aufträge um eins senken</translation>
    </message>
    <message>
        <source>Set Pr&amp;iority…</source>
        <translation>Pr&amp;iorität festlegen…</translation>
    </message>
    <message>
        <source>Set the priority of the selected jobs</source>
        <translation>Priorität der ausgewählten Aufträge festlegen</translation>
    </message>
    <message>
        <source>Set Priority</source>
        <translation>Priorität festlegen</translation>
    </message>
    <message>
        <source>Priority (higher runs first):</source>
        <translation>Priorität (höhere läuft zuerst):</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>pausiert</translation>
    </message>
    <message>
        <source>resumed</source>
        <translation>fortgesetzt</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>queued again</source>
        <translation>erneut eingereiht</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) refused: %1</source>
        <translation><numerusform>%n Auftrag abgelehnt: %1</numerusform><numerusform>%n Aufträge abgelehnt: %1</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) %1.</source>
        <translation><numerusform>%n Auftrag %1.</numerusform><numerusform>%n Aufträge %1.</numerusform></translation>
    </message>
    <message>
        <source>Nothing was %1: the selected jobs are in states that do not allow it.</source>
        <translation>Nichts wurde %1: Der Zustand der ausgewählten Aufträge erlaubt es nicht.</translation>
    </message>
    <message numerus="yes">
        <source>Priority changed for %n job(s).</source>
        <translation><numerusform>Priorität von %n Auftrag geändert.</numerusform><numerusform>Priorität von %n Aufträgen geändert.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>… und %n weiterer</numerusform>
            <numerusform>… und %n weitere</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancel %1? A running job stops at its next chunk.</source>
        <translation>%1 abbrechen? Ein laufender Auftrag hält am nächsten Abschnitt an.</translation>
    </message>
    <message numerus="yes">
        <source>Cancel these %n jobs? A running job stops at its next chunk.</source>
        <translation>
            <numerusform>Diesen %n Auftrag abbrechen? Ein laufender Auftrag hält am nächsten Abschnitt an.</numerusform>
            <numerusform>Diese %n Aufträge abbrechen? Ein laufender Auftrag hält am nächsten Abschnitt an.</numerusform>
        </translation>
    </message>
    <message>
        <source>Start &amp;Over…</source>
        <translation>&amp;Von vorn beginnen…</translation>
    </message>
    <message>
        <source>Parse the selected jobs again from the beginning: their checkpoints and progress are cleared</source>
        <translation>Ausgewählte Aufträge von vorn neu einlesen: Prüfpunkte und Fortschritt werden gelöscht</translation>
    </message>
    <message>
        <source>Callboard</source>
        <translation>Callboard</translation>
    </message>
    <message>
        <source>Start %1 over from the beginning? Its checkpoint and progress are cleared; a completed job gets a new playbook.</source>
        <translation>%1 von vorn beginnen? Prüfpunkt und Fortschritt werden gelöscht; ein abgeschlossener Auftrag erhält ein neues Playbook.</translation>
    </message>
    <message numerus="yes">
        <source>Start these %n jobs over from the beginning? Their checkpoints and progress are cleared; completed jobs get new playbooks.</source>
        <translation><numerusform>Diesen %n Auftrag von vorn beginnen? Prüfpunkt und Fortschritt werden gelöscht; ein abgeschlossener Auftrag erhält ein neues Playbook.</numerusform><numerusform>Diese %n Aufträge von vorn beginnen? Prüfpunkte und Fortschritt werden gelöscht; abgeschlossene Aufträge erhalten neue Playbooks.</numerusform></translation>
    </message>
    <message>
        <source>started over</source>
        <translation>von vorn begonnen</translation>
    </message>
    <message>
        <source>Queue the selected failed or cancelled jobs again (not those whose failure no retry can fix)</source>
        <translation>Die gewählten fehlgeschlagenen oder abgebrochenen Aufträge erneut einreihen (nicht die, deren Fehler keine Wiederholung behebt)</translation>
    </message>
    <message>
        <source>Re&amp;move…</source>
        <translation>Ent&amp;fernen…</translation>
    </message>
    <message>
        <source>Delete the selected finished jobs and their events (their playbooks on request)</source>
        <translation>Die gewählten erledigten Aufträge und ihre Ereignisse löschen (ihre Playbooks auf Wunsch)</translation>
    </message>
    <message>
        <source>Remove Jobs</source>
        <translation>Aufträge entfernen</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n finished job(s) and their events? This cannot be undone.</source>
        <translation><numerusform>%n erledigten Auftrag und seine Ereignisse entfernen? Das kann nicht rückgängig gemacht werden.</numerusform><numerusform>%n erledigte Aufträge und ihre Ereignisse entfernen? Das kann nicht rückgängig gemacht werden.</numerusform></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message numerus="yes">
        <source>Also delete their %n playbook(s)</source>
        <translation><numerusform>Auch ihr Playbook löschen</numerusform><numerusform>Auch ihre %n Playbooks löschen</numerusform></translation>
    </message>
    <message>
        <source>Nothing was removed: only completed, failed or cancelled jobs can be removed.</source>
        <translation>Nichts entfernt: nur abgeschlossene, fehlgeschlagene oder abgebrochene Aufträge können entfernt werden.</translation>
    </message>
    <message>
        <source>removed with their playbooks</source>
        <translation>samt Playbooks entfernt</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>entfernt</translation>
    </message>
    <message>
        <source>Parse Again with &amp;LLM…</source>
        <translation>Erneut mit &amp;LLM einlesen…</translation>
    </message>
    <message>
        <source>Start the selected completed plays over with the LLM provider (openai): for plays the built-in parser read with low confidence</source>
        <translation>Die ausgewählten abgeschlossenen Stücke mit dem LLM-Anbieter (openai) neu beginnen: für Stücke, die der eingebaute Parser mit geringer Konfidenz gelesen hat</translation>
    </message>
    <message>
        <source>Parse %1 again with the LLM provider (openai)? The new playbook replaces the shown one; the LLM's endpoint, model and key come from the environment.</source>
        <translation>%1 erneut mit dem LLM-Anbieter (openai) einlesen? Das neue Playbook ersetzt das angezeigte; Endpunkt, Modell und Schlüssel des LLM kommen aus der Umgebung.</translation>
    </message>
</context>
<context>
    <name>JobDetailPane</name>
    <message>
        <source>Select a job to see its details.</source>
        <translation>Wählen Sie einen Auftrag, um seine Details zu sehen.</translation>
    </message>
    <message>
        <source>Job:</source>
        <translation>Auftrag:</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>Datei:</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>Status:</translation>
    </message>
    <message>
        <source>Priority:</source>
        <translation>Priorität:</translation>
    </message>
    <message>
        <source>Progress:</source>
        <translation>Fortschritt:</translation>
    </message>
    <message>
        <source>Retries:</source>
        <translation>Wiederholungen:</translation>
    </message>
    <message>
        <source>Worker:</source>
        <translation>Worker:</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Erstellt:</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Gestartet:</translation>
    </message>
    <message>
        <source>Finished:</source>
        <translation>Beendet:</translation>
    </message>
    <message>
        <source>Updated:</source>
        <translation>Aktualisiert:</translation>
    </message>
    <message>
        <source>Duration:</source>
        <translation>Dauer:</translation>
    </message>
    <message>
        <source>Error:</source>
        <translation>Fehler:</translation>
    </message>
    <message>
        <source>The playbook appears here when the job has completed.</source>
        <translation>Das Playbook erscheint hier, sobald der Auftrag abgeschlossen ist.</translation>
    </message>
    <message>
        <source>Export JSON…</source>
        <translation>Als JSON exportieren…</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Verlauf</translation>
    </message>
    <message>
        <source>Playbook</source>
        <translation>Playbook</translation>
    </message>
    <message>
        <source>Export Playbook</source>
        <translation>Playbook exportieren</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>JSON-Dateien (*.json)</translation>
    </message>
    <message>
        <source> (%1 requested)</source>
        <translation> (%1 angefordert)</translation>
    </message>
    <message>
        <source>pause</source>
        <translation>Pause</translation>
    </message>
    <message>
        <source>cancel</source>
        <translation>Abbruch</translation>
    </message>
    <message>
        <source> (%1 of %2 chunks)</source>
        <translation> (%1 von %2 Abschnitten)</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2 characters · %3 acts · %4 scenes · %5 speeches</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2 Figuren · %3 Akte · %4 Szenen · %5 Repliken</translation>
    </message>
    <message>
        <source>Playbook exported to %1.</source>
        <translation>Playbook nach %1 exportiert.</translation>
    </message>
    <message>
        <source>Could not export the playbook: %1</source>
        <translation>Das Playbook konnte nicht exportiert werden: %1</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>Quelle:</translation>
    </message>
    <message>
        <source>next attempt at %1 (in %2)</source>
        <translation>nächster Versuch um %1 (in %2)</translation>
    </message>
    <message>
        <source>a retry cannot fix this failure</source>
        <translation>eine Wiederholung behebt diesen Fehler nicht</translation>
    </message>
    <message>
        <source>Error (permanent):</source>
        <translation>Fehler (dauerhaft):</translation>
    </message>
    <message>
        <source>The correction was not stored: %1</source>
        <translation>Die Korrektur wurde nicht gespeichert: %1</translation>
    </message>
    <message>
        <source>Correction stored as a new revision of the playbook.</source>
        <translation>Korrektur als neue Revision des Playbooks gespeichert.</translation>
    </message>
</context>
<context>
    <name>JobEvent</name>
    <message>
        <source>Enqueued</source>
        <translation>Eingereiht</translation>
    </message>
    <message>
        <source>Claimed by a worker</source>
        <translation>Von einem Worker übernommen</translation>
    </message>
    <message>
        <source>Reclaimed after lock expiry</source>
        <translation>Nach Ablauf der Sperre neu übernommen</translation>
    </message>
    <message>
        <source>Chunk parsed</source>
        <translation>Abschnitt eingelesen</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Abgeschlossen</translation>
    </message>
    <message>
        <source>Retry scheduled</source>
        <translation>Wiederholung geplant</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Released to the queue</source>
        <translation>An die Warteschlange zurückgegeben</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Pausiert</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Resumed</source>
        <translation>Fortgesetzt</translation>
    </message>
    <message>
        <source>Retried by hand</source>
        <translation>Von Hand wiederholt</translation>
    </message>
    <message>
        <source>Pause requested</source>
        <translation>Pause angefordert</translation>
    </message>
    <message>
        <source>Cancel requested</source>
        <translation>Abbruch angefordert</translation>
    </message>
    <message>
        <source>Priority changed</source>
        <translation>Priorität geändert</translation>
    </message>
</context>
<context>
    <name>JobEventModel</name>
    <message>
        <source>Time</source>
        <translation>Zeit</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Ereignis</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>Akteur</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Details</translation>
    </message>
    <message>
        <source>chunk %1 of %2</source>
        <translation>Abschnitt %1 von %2</translation>
    </message>
    <message numerus="yes">
        <source>%n speech(es)</source>
        <translation><numerusform>%n Replik</numerusform><numerusform>%n Repliken</numerusform></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>ja</translation>
    </message>
    <message>
        <source>no</source>
        <translation>nein</translation>
    </message>
    <message>
        <source>priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <source>file</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>error</source>
        <translation>Fehler</translation>
    </message>
    <message>
        <source>retry</source>
        <translation>Wiederholung</translation>
    </message>
    <message>
        <source>next attempt</source>
        <translation>nächster Versuch</translation>
    </message>
    <message>
        <source>delay (ms)</source>
        <translation>Verzögerung (ms)</translation>
    </message>
    <message>
        <source>playbook</source>
        <translation>Playbook</translation>
    </message>
    <message>
        <source>reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>previous worker</source>
        <translation>vorheriger Worker</translation>
    </message>
    <message>
        <source>checkpoint</source>
        <translation>Prüfpunkt</translation>
    </message>
    <message>
        <source>config keys nothing reads</source>
        <translation>ungenutzte Konfigurationsschlüssel</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>chunks %1–%2 of %3</source>
        <translation>Abschnitte %1–%2 von %3</translation>
    </message>
</context>
<context>
    <name>JobStatus</name>
    <message>
        <source>Queued</source>
        <translation>Wartend</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Pausiert</translation>
    </message>
    <message>
        <source>Retrying</source>
        <translation>Wird wiederholt</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Abgeschlossen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
</context>
<context>
    <name>JobTableModel</name>
    <message>
        <source>%1 (resuming…)</source>
        <translation>%1 (wird fortgesetzt…)</translation>
    </message>
    <message>
        <source>%1 (retrying…)</source>
        <translation>%1 (wird erneut eingereiht…)</translation>
    </message>
    <message>
        <source>%1 (changing priority…)</source>
        <translation>%1 (Priorität wird geändert…)</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorität</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Retries</source>
        <translation>Wiederh.</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Erstellt</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Letzter Fehler</translation>
    </message>
    <message>
        <source>%1
Job %2</source>
        <translation>%1
Auftrag %2</translation>
    </message>
    <message>
        <source>%1 / %2 chunks</source>
        <translation>%1 / %2 Abschnitte</translation>
    </message>
    <message>
        <source>%1 (pausing…)</source>
        <translation>%1 (wird pausiert…)</translation>
    </message>
    <message>
        <source>%1 (cancelling…)</source>
        <translation>%1 (wird abgebrochen…)</translation>
    </message>
    <message>
        <source>%1 (starting over…)</source>
        <translation>%1 (beginnt von vorn…)</translation>
    </message>
    <message>
        <source>%1
From %2
Job %3</source>
        <translation>%1
Aus %2
Auftrag %3</translation>
    </message>
    <message>
        <source>A retry cannot fix this failure: %1</source>
        <translation>Eine Wiederholung behebt diesen Fehler nicht: %1</translation>
    </message>
    <message>
        <source>Next attempt at %1</source>
        <translation>Nächster Versuch um %1</translation>
    </message>
    <message>
        <source>%1 (removing…)</source>
        <translation>%1 (wird entfernt…)</translation>
    </message>
    <message>
        <source>%1 — next in %2</source>
        <translation>%1 — nächster in %2</translation>
    </message>
    <message>
        <source>%1 — due now</source>
        <translation>%1 — jetzt fällig</translation>
    </message>
    <message>
        <source>%1 (permanent)</source>
        <translation>%1 (dauerhaft)</translation>
    </message>
    <message>
        <source>confidence %1 %</source>
        <translation>Konfidenz %1 %</translation>
    </message>
    <message numerus="yes">
        <source>%n quality warning(s)</source>
        <translation><numerusform>%n Qualitätswarnung</numerusform><numerusform>%n Qualitätswarnungen</numerusform></translation>
    </message>
    <message>
        <source>Needs review: %1. Open the Playbook tab to check and correct it.</source>
        <translation>Prüfen: %1. Im Reiter „Playbook“ kontrollieren und korrigieren.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Round trip: %1 ms</source>
        <translation>Antwortzeit: %1 ms</translation>
    </message>
    <message>
        <source>Time the database takes to answer the window (round trip)</source>
        <translation>Zeit, die die Datenbank braucht, um dem Fenster zu antworten (Hin und zurück)</translation>
    </message>
    <message>
        <source>%1 — Callboard</source>
        <translation>%1 — Callboard</translation>
    </message>
    <message>
        <source>&lt;b&gt;Status&lt;/b&gt;</source>
        <translation>&lt;b&gt;Status&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Workers&lt;/b&gt;</source>
        <translation>&lt;b&gt;Worker&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Filter by file, job or worker…</source>
        <translation>Nach Datei, Auftrag oder Worker filtern…</translation>
    </message>
    <message>
        <source>Enqueuing %v of %m</source>
        <translation>Einreihen: %v von %m</translation>
    </message>
    <message>
        <source>Stop enqueuing</source>
        <translation>Einreihen beenden</translation>
    </message>
    <message>
        <source>Not connected: %1</source>
        <translation>Nicht verbunden: %1</translation>
    </message>
    <message>
        <source>Add Play Files</source>
        <translation>Stückdateien hinzufügen</translation>
    </message>
    <message>
        <source>Text files (*.txt *.text *.md);;All files (*)</source>
        <translation>Textdateien (*.txt *.text *.md);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Could not open the queue database: %1</source>
        <translation>Die Auftragsdatenbank konnte nicht geöffnet werden: %1</translation>
    </message>
    <message>
        <source>&amp;Connect to Database…</source>
        <translation>Mit Datenbank &amp;verbinden…</translation>
    </message>
    <message>
        <source>Open another queue database (SQLite file or PostgreSQL)</source>
        <translation>Eine andere Auftragsdatenbank öffnen (SQLite-Datei oder PostgreSQL)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;About Callboard</source>
        <translation>Ü&amp;ber Callboard</translation>
    </message>
    <message>
        <source>About Callboard</source>
        <translation>Über Callboard</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Callboard %1&lt;/h3&gt;&lt;p&gt;Watches and controls the play-import jobs of Theatre Play Buddy.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Callboard %1&lt;/h3&gt;&lt;p&gt;Überwacht und steuert die Import-Aufträge für Theaterstücke von Theatre Play Buddy.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;Jobs</source>
        <translation>&amp;Aufträge</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Aufträge</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>All (%1)</source>
        <translation>Alle (%1)</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
    <message>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s)</source>
        <translation><numerusform>%n Auftrag</numerusform><numerusform>%n Aufträge</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Enqueuing %n item(s)…</source>
        <translation><numerusform>%n Eintrag wird eingereiht…</numerusform><numerusform>%n Einträge werden eingereiht…</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) enqueued.</source>
        <translation><numerusform>%n Datei eingereiht.</numerusform><numerusform>%n Dateien eingereiht.</numerusform></translation>
    </message>
    <message>
        <source>Stopped before the end.</source>
        <translation>Vor dem Ende angehalten.</translation>
    </message>
    <message>
        <source>Enqueue Failed</source>
        <translation>Einreihen fehlgeschlagen</translation>
    </message>
    <message>
        <source>The queue database refused the files: %1</source>
        <translation>Die Auftragsdatenbank hat die Dateien abgelehnt: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could not be enqueued.</source>
        <translation><numerusform>%n Datei konnte nicht eingereiht werden.</numerusform><numerusform>%n Dateien konnten nicht eingereiht werden.</numerusform></translation>
    </message>
    <message>
        <source>• %1 %2</source>
        <translation>• %1 %2</translation>
    </message>
    <message numerus="yes">
        <source>… and %n more.</source>
        <translation><numerusform>… und %n weitere.</numerusform><numerusform>… und %n weitere.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could not be enqueued:</source>
        <translation><numerusform>%n Datei konnte nicht eingereiht werden:</numerusform><numerusform>%n Dateien konnten nicht eingereiht werden:</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>The other %n file(s) were enqueued.</source>
        <translation><numerusform>Die andere Datei wurde eingereiht.</numerusform><numerusform>Die anderen %n Dateien wurden eingereiht.</numerusform></translation>
    </message>
    <message>
        <source>Some Files Were Not Enqueued</source>
        <translation>Einige Dateien wurden nicht eingereiht</translation>
    </message>
    <message>
        <source>Reset Columns</source>
        <translation>Spalten zurücksetzen</translation>
    </message>
    <message>
        <source>SSL: %1</source>
        <translation>SSL: %1</translation>
    </message>
    <message>
        <source>default (prefer)</source>
        <translation>Standard (prefer)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Queue Metrics</source>
        <translation>&amp;Warteschlangen-Kennzahlen</translation>
    </message>
    <message>
        <source>&amp;Activity</source>
        <translation>&amp;Aktivität</translation>
    </message>
    <message>
        <source>Connection to the queue database lost: %1</source>
        <translation>Verbindung zur Auftragsdatenbank verloren: %1</translation>
    </message>
    <message>
        <source>Prune Finished Jobs</source>
        <translation>Erledigte Aufträge bereinigen</translation>
    </message>
    <message>
        <source>Delete finished jobs older than (days):</source>
        <translation>Erledigte Aufträge löschen, die älter sind als (Tage):</translation>
    </message>
    <message>
        <source>&amp;Prune Finished Jobs…</source>
        <translation>Erledigte Aufträge &amp;bereinigen…</translation>
    </message>
    <message>
        <source>Delete completed, failed and cancelled jobs older than a number of days, with their events (playbooks are kept)</source>
        <translation>Abgeschlossene, fehlgeschlagene und abgebrochene Aufträge löschen, die älter als eine Anzahl Tage sind, samt ihren Ereignissen (Playbooks bleiben erhalten)</translation>
    </message>
    <message numerus="yes">
        <source>Pruning finished jobs older than %n day(s)…</source>
        <translation><numerusform>Erledigte Aufträge älter als %n Tag werden bereinigt…</numerusform><numerusform>Erledigte Aufträge älter als %n Tage werden bereinigt…</numerusform></translation>
    </message>
    <message>
        <source>Could not prune: %1</source>
        <translation>Bereinigen nicht möglich: %1</translation>
    </message>
    <message numerus="yes">
        <source>Pruned %n finished job(s) older than %1 day(s).</source>
        <translation><numerusform>%n erledigter Auftrag älter als %1 Tag(e) gelöscht.</numerusform><numerusform>%n erledigte Aufträge älter als %1 Tag(e) gelöscht.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Delete %n finished job(s) (completed, failed or cancelled more than %1 day(s) ago) and their %2 event(s)? This cannot be undone.</source>
        <translation>
            <numerusform>%n erledigten Auftrag (vor mehr als %1 Tag(en) abgeschlossen, fehlgeschlagen oder abgebrochen) und seine %2 Ereignis(se) löschen? Das lässt sich nicht rückgängig machen.</numerusform>
            <numerusform>%n erledigte Aufträge (vor mehr als %1 Tag(en) abgeschlossen, fehlgeschlagen oder abgebrochen) und ihre %2 Ereignis(se) löschen? Das lässt sich nicht rückgängig machen.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Löschen</translation>
    </message>
    <message numerus="yes">
        <source>Their %n playbook(s) are kept unless you tick the box; a kept playbook can no longer be reached from the window.</source>
        <translation>
            <numerusform>Ihr Playbook bleibt erhalten, wenn Sie das Kästchen nicht ankreuzen; ein behaltenes Playbook ist im Fenster nicht mehr erreichbar.</numerusform>
            <numerusform>Ihre %n Playbooks bleiben erhalten, wenn Sie das Kästchen nicht ankreuzen; ein behaltenes Playbook ist im Fenster nicht mehr erreichbar.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Also delete their %n playbook(s)</source>
        <translation><numerusform>Auch ihr Playbook löschen</numerusform><numerusform>Auch ihre %n Playbooks löschen</numerusform></translation>
    </message>
    <message>
        <source>Quit Callboard</source>
        <translation>Callboard beenden</translation>
    </message>
    <message numerus="yes">
        <source>This window is parsing %n play(s): %1.</source>
        <translation>
            <numerusform>Dieses Fenster liest gerade %n Stück ein: %1.</numerusform>
            <numerusform>Dieses Fenster liest gerade %n Stücke ein: %1.</numerusform>
        </translation>
    </message>
    <message>
        <source>Wait: no new play is started, and Callboard quits when these are done.
Pause: they stop at their next chunk and stay paused until you resume them.
Release: they go back to the queue and go on from their checkpoint when a worker takes them (here the next time Callboard runs, or another worker on this database).</source>
        <translation>Warten: Kein neues Stück wird begonnen, und Callboard beendet sich, wenn diese fertig sind.
Pausieren: Sie halten am nächsten Abschnitt an und bleiben pausiert, bis Sie sie fortsetzen.
Freigeben: Sie gehen zurück in die Warteschlange und machen an ihrem Prüfpunkt weiter, wenn ein Worker sie übernimmt (hier beim nächsten Start von Callboard oder ein anderer Worker dieser Datenbank).</translation>
    </message>
    <message>
        <source>Wait, Then Quit</source>
        <translation>Warten, dann beenden</translation>
    </message>
    <message>
        <source>Pause and Quit</source>
        <translation>Pausieren und beenden</translation>
    </message>
    <message>
        <source>Release and Quit</source>
        <translation>Freigeben und beenden</translation>
    </message>
    <message numerus="yes">
        <source>%n play(s) are waiting in the queue.</source>
        <translation>
            <numerusform>%n Stück wartet in der Warteschlange.</numerusform>
            <numerusform>%n Stücke warten in der Warteschlange.</numerusform>
        </translation>
    </message>
    <message>
        <source>They stay queued: Callboard parses them the next time it runs, or another worker on this database takes them.</source>
        <translation>Sie bleiben eingereiht: Callboard liest sie beim nächsten Start ein, oder ein anderer Worker dieser Datenbank übernimmt sie.</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Beenden</translation>
    </message>
    <message>
        <source>The queue file %1 cannot be read safely: %2. Callboard stops working on it and opens it again, checking it first.</source>
        <translation>Die Warteschlangendatei %1 kann nicht sicher gelesen werden: %2. Callboard arbeitet nicht weiter daran und öffnet sie neu, nachdem es sie geprüft hat.</translation>
    </message>
    <message numerus="yes">
        <source>Nothing to prune: no finished job is older than %n day(s).</source>
        <translation>
            <numerusform>Nichts zu bereinigen: Kein erledigter Auftrag ist älter als %n Tag.</numerusform>
            <numerusform>Nichts zu bereinigen: Kein erledigter Auftrag ist älter als %n Tage.</numerusform>
        </translation>
    </message>
    <message>
        <source>Pruning cancelled: nothing was deleted.</source>
        <translation>Bereinigen abgebrochen: Nichts wurde gelöscht.</translation>
    </message>
    <message numerus="yes">
        <source>%n playbook(s) deleted with them.</source>
        <translation>
            <numerusform>%n Playbook mit ihnen gelöscht.</numerusform>
            <numerusform>%n Playbooks mit ihnen gelöscht.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Callboard quits when the %n running play(s) are done.</source>
        <translation>
            <numerusform>Callboard beendet sich, wenn das laufende Stück fertig ist.</numerusform>
            <numerusform>Callboard beendet sich, wenn die %n laufenden Stücke fertig sind.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>When Callboard was closed (%1), it paused the %n play(s) it was parsing: %2. Select them and choose Resume to go on from their checkpoint.</source>
        <translation>
            <numerusform>Beim Schließen von Callboard (%1) wurde das Stück pausiert, das es einlas: %2. Wählen Sie es und dann Fortsetzen, um am Prüfpunkt weiterzumachen.</numerusform>
            <numerusform>Beim Schließen von Callboard (%1) wurden die %n Stücke pausiert, die es einlas: %2. Wählen Sie sie und dann Fortsetzen, um am Prüfpunkt weiterzumachen.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>When Callboard was closed (%1), the %n play(s) it was parsing went back to the queue (unless they finished first): %2. They go on from their checkpoint when a worker takes them.</source>
        <translation>
            <numerusform>Beim Schließen von Callboard (%1) ging das Stück, das es einlas, zurück in die Warteschlange (sofern es nicht vorher fertig wurde): %2. Es macht an seinem Prüfpunkt weiter, wenn ein Worker es übernimmt.</numerusform>
            <numerusform>Beim Schließen von Callboard (%1) gingen die %n Stücke, die es einlas, zurück in die Warteschlange (sofern sie nicht vorher fertig wurden): %2. Sie machen an ihrem Prüfpunkt weiter, wenn ein Worker sie übernimmt.</numerusform>
        </translation>
    </message>
    <message>
        <source>Since Last Time</source>
        <translation>Seit dem letzten Mal</translation>
    </message>
    <message>
        <source>&lt;p style='font-size:18pt'&gt;&lt;b&gt;Drop to add plays&lt;/b&gt;&lt;/p&gt;&lt;p&gt;Play files, folders (searched recursively) or text: you choose what to enqueue and how.&lt;/p&gt;</source>
        <translation>&lt;p style='font-size:18pt'&gt;&lt;b&gt;Ablegen, um Stücke hinzuzufügen&lt;/b&gt;&lt;/p&gt;&lt;p&gt;Stückdateien, Ordner (rekursiv durchsucht) oder Text: Sie wählen, was wie eingereiht wird.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Paste as Play</source>
        <translation>Als Stück ein&amp;fügen</translation>
    </message>
    <message>
        <source>Enqueue the text on the clipboard as a play, named after its first line (or the files on it)</source>
        <translation>Den Text der Zwischenablage als Stück einreihen, benannt nach seiner ersten Zeile (oder die Dateien darin)</translation>
    </message>
    <message>
        <source>The pasted text is empty: nothing to enqueue.</source>
        <translation>Der eingefügte Text ist leer: nichts einzureihen.</translation>
    </message>
    <message>
        <source>The clipboard holds no text or files to enqueue.</source>
        <translation>Die Zwischenablage enthält weder Text noch Dateien zum Einreihen.</translation>
    </message>
    <message numerus="yes">
        <source>Enqueuing %n play(s)…</source>
        <translation><numerusform>%n Stück wird eingereiht…</numerusform><numerusform>%n Stücke werden eingereiht…</numerusform></translation>
    </message>
    <message>
        <source>The queue database refused the plays: %1</source>
        <translation>Die Auftragsdatenbank hat die Stücke abgelehnt: %1</translation>
    </message>
    <message numerus="yes">
        <source>%n play(s) enqueued.</source>
        <translation><numerusform>%n Stück eingereiht.</numerusform><numerusform>%n Stücke eingereiht.</numerusform></translation>
    </message>
    <message>
        <source>Needs &amp;Review Only</source>
        <translation>Nur zu &amp;prüfende</translation>
    </message>
    <message>
        <source>Show only completed plays whose confidence is under %1 % or that have quality warnings</source>
        <translation>Nur abgeschlossene Stücke zeigen, deren Konfidenz unter %1 % liegt oder die Qualitätswarnungen haben</translation>
    </message>
</context>
<context>
    <name>MetricsDock</name>
    <message>
        <source>%1 s</source>
        <translation>%1 s</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>%1 / %2 / %3</source>
        <translation>%1 / %2 / %3</translation>
    </message>
    <message>
        <source>Lock expired</source>
        <translation>Sperre abgelaufen</translation>
    </message>
    <message>
        <source>Many retries</source>
        <translation>Viele Wiederholungen</translation>
    </message>
    <message>
        <source>Paused for long</source>
        <translation>Lange pausiert</translation>
    </message>
    <message>
        <source>Queue Metrics</source>
        <translation>Warteschlangen-Kennzahlen</translation>
    </message>
    <message>
        <source>%1:</source>
        <translation>%1:</translation>
    </message>
    <message>
        <source>Ready / scheduled:</source>
        <translation>Bereit / geplant:</translation>
    </message>
    <message>
        <source>Oldest queued:</source>
        <translation>Ältester wartender:</translation>
    </message>
    <message>
        <source>Completed / failed per min:</source>
        <translation>Abgeschlossen / fehlgeschlagen pro Min.:</translation>
    </message>
    <message>
        <source>Failure rate:</source>
        <translation>Fehlerquote:</translation>
    </message>
    <message>
        <source>Retry rate:</source>
        <translation>Wiederholungsquote:</translation>
    </message>
    <message>
        <source>Wait p50 / p95 / max:</source>
        <translation>Wartezeit p50 / p95 / max:</translation>
    </message>
    <message>
        <source>Run p50 / p95 / max:</source>
        <translation>Laufzeit p50 / p95 / max:</translation>
    </message>
    <message>
        <source>Updated:</source>
        <translation>Aktualisiert:</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Letzte Stunde</translation>
    </message>
    <message>
        <source>Completed per minute</source>
        <translation>Abgeschlossen pro Minute</translation>
    </message>
    <message>
        <source>Queue depth</source>
        <translation>Warteschlangenlänge</translation>
    </message>
    <message>
        <source>Minutes</source>
        <translation>Minuten</translation>
    </message>
    <message>
        <source>Stuck job</source>
        <translation>Hängender Auftrag</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Metrics: %1</source>
        <translation>Kennzahlen: %1</translation>
    </message>
    <message>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
</context>
<context>
    <name>PasswordStore</name>
    <message>
        <source>This build has no keychain support</source>
        <translation>Dieser Build unterstützt keinen Schlüsselbund</translation>
    </message>
</context>
<context>
    <name>PlayScanner</name>
    <message>
        <source>a .%1 data file, not a play</source>
        <translation>eine .%1-Datendatei, kein Stück</translation>
    </message>
    <message>
        <source>a .%1 script or program, not a play</source>
        <translation>ein .%1-Skript oder -Programm, kein Stück</translation>
    </message>
    <message>
        <source>a .%1 file: plays are .txt or .md text</source>
        <translation>eine .%1-Datei: Stücke sind .txt- oder .md-Text</translation>
    </message>
    <message>
        <source>is empty</source>
        <translation>ist leer</translation>
    </message>
    <message>
        <source>pasted text</source>
        <translation>eingefügter Text</translation>
    </message>
    <message>
        <source>is the queue database itself (not read)</source>
        <translation>ist die Auftragsdatenbank selbst (nicht gelesen)</translation>
    </message>
    <message>
        <source>does not exist</source>
        <translation>existiert nicht</translation>
    </message>
    <message>
        <source>is not a regular file</source>
        <translation>ist keine normale Datei</translation>
    </message>
    <message>
        <source>a .%1 file, not plain text (not read)</source>
        <translation>eine .%1-Datei, kein reiner Text (nicht gelesen)</translation>
    </message>
    <message>
        <source>is too large (%1 MB, the limit is %2 MB)</source>
        <translation>ist zu groß (%1 MB, die Grenze ist %2 MB)</translation>
    </message>
    <message>
        <source>cannot be read (%1)</source>
        <translation>kann nicht gelesen werden (%1)</translation>
    </message>
    <message>
        <source>is too large</source>
        <translation>ist zu groß</translation>
    </message>
    <message>
        <source>is a binary file, not text</source>
        <translation>ist eine Binärdatei, kein Text</translation>
    </message>
    <message>
        <source>is not text</source>
        <translation>ist kein Text</translation>
    </message>
    <message>
        <source>Latin-1/Windows-1252 text, not UTF-8: tick it to enqueue it converted to UTF-8 (the file is not changed)</source>
        <translation>Latin-1-/Windows-1252-Text, kein UTF-8: ankreuzen, um ihn nach UTF-8 umgewandelt einzureihen (die Datei bleibt unverändert)</translation>
    </message>
    <message>
        <source>a %1 file, not a play</source>
        <translation>eine %1-Datei, kein Stück</translation>
    </message>
</context>
<context>
    <name>PlaybookModel</name>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Speeches</source>
        <translation>Repliken</translation>
    </message>
    <message>
        <source>Acts and scenes</source>
        <translation>Akte und Szenen</translation>
    </message>
    <message>
        <source>(untitled act %1)</source>
        <translation>(Akt %1 ohne Titel)</translation>
    </message>
    <message>
        <source>(untitled scene %1)</source>
        <translation>(Szene %1 ohne Titel)</translation>
    </message>
    <message>
        <source>Characters (%1)</source>
        <translation>Figuren (%1)</translation>
    </message>
    <message>
        <source>Also printed as: %1</source>
        <translation>Auch gedruckt als: %1</translation>
    </message>
    <message>
        <source>Not in the playbook's character list</source>
        <translation>Nicht im Figurenverzeichnis des Playbooks</translation>
    </message>
</context>
<context>
    <name>PlaybookReviewPane</name>
    <message>
        <source>Cast member with no speeches: %1</source>
        <translation>Person ohne Repliken: %1</translation>
    </message>
    <message>
        <source>Speaker not in the cast: %1</source>
        <translation>Sprecher nicht im Personenverzeichnis: %1</translation>
    </message>
    <message>
        <source>Names differing only in case: %1 / %2</source>
        <translation>Namen, die sich nur in der Schreibweise unterscheiden: %1 / %2</translation>
    </message>
    <message>
        <source>Abbreviated name: %1 (for %2?)</source>
        <translation>Abgekürzter Name: %1 (für %2?)</translation>
    </message>
    <message>
        <source>Spelling variants, merge? %1 / %2</source>
        <translation>Schreibvarianten, zusammenführen? %1 / %2</translation>
    </message>
    <message>
        <source>Low-confidence scene: %1</source>
        <translation>Szene mit geringer Konfidenz: %1</translation>
    </message>
    <message>
        <source>(untitled)</source>
        <translation>(ohne Titel)</translation>
    </message>
    <message>
        <source>Speeches without a speaker: %1</source>
        <translation>Repliken ohne Sprecher: %1</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>Umbenennen…</translation>
    </message>
    <message>
        <source>Rename a character; the old name stays an alias</source>
        <translation>Eine Person umbenennen; der alte Name bleibt als Alias</translation>
    </message>
    <message>
        <source>Merge…</source>
        <translation>Zusammenführen…</translation>
    </message>
    <message>
        <source>Merge one character into another</source>
        <translation>Eine Person mit einer anderen zusammenführen</translation>
    </message>
    <message>
        <source>Split…</source>
        <translation>Aufteilen…</translation>
    </message>
    <message>
        <source>Give some of a character's names (a group's members, a second role) an entry of their own</source>
        <translation>Einigen Namen einer Person (Mitglieder einer Gruppe, eine zweite Rolle) einen eigenen Eintrag geben</translation>
    </message>
    <message>
        <source>Move Speech…</source>
        <translation>Replik verschieben…</translation>
    </message>
    <message>
        <source>Give the selected speech to another character</source>
        <translation>Die ausgewählte Replik einer anderen Person geben</translation>
    </message>
    <message>
        <source>Confidence %1 %</source>
        <translation>Konfidenz %1 %</translation>
    </message>
    <message>
        <source>Confidence unknown</source>
        <translation>Konfidenz unbekannt</translation>
    </message>
    <message>
        <source> · revision %1 (corrected)</source>
        <translation> · Revision %1 (korrigiert)</translation>
    </message>
    <message>
        <source> · parser's original</source>
        <translation> · Original des Parsers</translation>
    </message>
    <message>
        <source> · needs review</source>
        <translation> · prüfen</translation>
    </message>
    <message>
        <source>Rename Character</source>
        <translation>Person umbenennen</translation>
    </message>
    <message>
        <source>Character:</source>
        <translation>Person:</translation>
    </message>
    <message>
        <source>New name for %1:</source>
        <translation>Neuer Name für %1:</translation>
    </message>
    <message>
        <source>Merge Characters</source>
        <translation>Personen zusammenführen</translation>
    </message>
    <message>
        <source>Merge this character:</source>
        <translation>Diese Person:</translation>
    </message>
    <message>
        <source>into:</source>
        <translation>zusammenführen mit:</translation>
    </message>
    <message>
        <source>Split Character</source>
        <translation>Person aufteilen</translation>
    </message>
    <message>
        <source>The name that belongs to someone else:</source>
        <translation>Der Name, der zu jemand anderem gehört:</translation>
    </message>
    <message>
        <source>Name of the new character:</source>
        <translation>Name der neuen Person:</translation>
    </message>
    <message>
        <source>Move Speech</source>
        <translation>Replik verschieben</translation>
    </message>
    <message>
        <source>Give this speech to:</source>
        <translation>Diese Replik geben an:</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>File</source>
        <translation>Datei</translation>
    </message>
    <message>
        <source>%1 File</source>
        <translation>%1-Datei</translation>
    </message>
</context>
<context>
    <name>ReviewBadgeDelegate</name>
    <message>
        <source>Needs review</source>
        <translation>Prüfen</translation>
    </message>
</context>
<context>
    <name>ScriptModel</name>
    <message>
        <source>Speaker</source>
        <translation>Sprecher</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>Zeilen</translation>
    </message>
    <message>
        <source>(untitled act %1)</source>
        <translation>(Akt %1 ohne Titel)</translation>
    </message>
    <message>
        <source>(untitled scene %1)</source>
        <translation>(Szene %1 ohne Titel)</translation>
    </message>
    <message>
        <source>Low confidence: many of this scene's speeches have unusual labels</source>
        <translation>Geringe Konfidenz: viele Repliken dieser Szene haben ungewöhnliche Sprecherangaben</translation>
    </message>
    <message>
        <source>(direction)</source>
        <translation>(Regieanweisung)</translation>
    </message>
    <message>
        <source>Speaker not in the cast: "%1"</source>
        <translation>Sprecher nicht im Personenverzeichnis: „%1“</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message numerus="yes">
        <source>The queue database has not answered for %n second(s)</source>
        <translation><numerusform>Die Auftragsdatenbank hat seit %n Sekunde nicht geantwortet</numerusform><numerusform>Die Auftragsdatenbank hat seit %n Sekunden nicht geantwortet</numerusform></translation>
    </message>
    <message>
        <source>Not connected to the queue database</source>
        <translation>Nicht mit der Auftragsdatenbank verbunden</translation>
    </message>
</context>
<context>
    <name>SessionConnection</name>
    <message>
        <source>The connection to the queue database was lost</source>
        <translation>Die Verbindung zur Auftragsdatenbank ist abgebrochen</translation>
    </message>
</context>
<context>
    <name>WorkersPanel</name>
    <message>
        <source>0 (monitor only)</source>
        <translation>0 (nur beobachten)</translation>
    </message>
    <message>
        <source>Worker threads this window runs; 0 only watches the queue</source>
        <translation>Worker-Threads dieses Fensters; 0 beobachtet nur die Warteschlange</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>Workers here:</source>
        <translation>Worker hier:</translation>
    </message>
    <message>
        <source>This window only watches the queue: it runs no workers</source>
        <translation>Dieses Fenster beobachtet nur die Warteschlange: Es führt keine Worker aus</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>untätig</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Aufträge</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Host</translation>
    </message>
    <message>
        <source>PID</source>
        <translation>PID</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Gestartet</translation>
    </message>
    <message>
        <source>Last heartbeat</source>
        <translation>Letzter Herzschlag</translation>
    </message>
    <message>
        <source>active</source>
        <translation>aktiv</translation>
    </message>
    <message>
        <source>lost</source>
        <translation>verloren</translation>
    </message>
    <message>
        <source>%1 (this window)</source>
        <translation>%1 (dieses Fenster)</translation>
    </message>
    <message numerus="yes">
        <source>%1 held, %n worker(s)</source>
        <translation><numerusform>%1 gehalten, %n Worker</numerusform><numerusform>%1 gehalten, %n Worker</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Its locks last %n second(s) without a heartbeat; a heartbeat every %1 s</source>
        <translation><numerusform>Seine Sperren halten %n Sekunde ohne Herzschlag; ein Herzschlag alle %1 s</numerusform><numerusform>Seine Sperren halten %n Sekunden ohne Herzschlag; ein Herzschlag alle %1 s</numerusform></translation>
    </message>
    <message>
        <source>No heartbeat within its lock duration: the process is gone or cut off, and its jobs return to the queue</source>
        <translation>Kein Herzschlag innerhalb seiner Sperrdauer: Der Prozess ist beendet oder abgeschnitten, und seine Aufträge kehren in die Warteschlange zurück</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
</context>
</TS>