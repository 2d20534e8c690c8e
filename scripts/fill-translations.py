#!/usr/bin/env python3
"""Fills translations/callboard_{de,fr}.ts from the tables below (after `update_translations`).

Kept as a script so that a new string is one line here; Linguist works on the .ts files as well.
Exits 1 and lists what is missing when a source string has no translation, neither here nor in
the .ts file (a message translated in Linguist is kept as it is). scripts/check-translations.sh
checks the .ts files against the sources without changing them.
"""
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

# source -> (German, French); numerus entries give (singular, plural) tuples.
T = {
    # The engine's messages for a person (connection, URL, schema, job control); stored texts
    # such as lastError stay English (the parse errors are not tr(): engine/parse/parsetr.h).
    "SQLite database %1: %2": ("SQLite-Datenbank %1: %2", "Base SQLite %1 : %2"),
    "PostgreSQL at %1 refused the login of user '%2': wrong or missing password": (
        "PostgreSQL auf %1 hat die Anmeldung von Benutzer „%2“ abgelehnt: falsches oder fehlendes Passwort",
        "PostgreSQL sur %1 a refusé la connexion de l'utilisateur « %2 » : mot de passe erroné ou absent"),
    "Cannot reach PostgreSQL at %1: %2": ("PostgreSQL auf %1 ist nicht erreichbar: %2", "PostgreSQL sur %1 est injoignable : %2"),
    "PostgreSQL at %1: %2": ("PostgreSQL auf %1: %2", "PostgreSQL sur %1 : %2"),
    "The Qt PostgreSQL driver (QPSQL) is not installed (Debian package libqt6sql6-psql)": (
        "Der Qt-PostgreSQL-Treiber (QPSQL) ist nicht installiert (Debian-Paket libqt6sql6-psql)",
        "Le pilote PostgreSQL de Qt (QPSQL) n'est pas installé (paquet Debian libqt6sql6-psql)"),
    "The Qt SQLite driver (QSQLITE) is not installed": (
        "Der Qt-SQLite-Treiber (QSQLITE) ist nicht installiert", "Le pilote SQLite de Qt (QSQLITE) n'est pas installé"),
    "Cannot create the folder %1": ("Der Ordner %1 kann nicht angelegt werden", "Impossible de créer le dossier %1"),
    "Database URL '%1' names no SQLite file": ("Die Datenbank-URL „%1“ nennt keine SQLite-Datei", "L'URL de base « %1 » ne désigne aucun fichier SQLite"),
    "Database URL is not a valid postgres:// URL (expected postgres://user:password@host:port/database)": (
        "Die Datenbank-URL ist keine gültige postgres://-URL (erwartet: postgres://user:password@host:port/database)",
        "L'URL de base n'est pas une URL postgres:// valide (attendu : postgres://user:password@host:port/database)"),
    "Database URL has an invalid port": ("Die Datenbank-URL hat einen ungültigen Port", "L'URL de base a un port invalide"),
    "Database URL names no database (expected postgres://user@host:port/database)": (
        "Die Datenbank-URL nennt keine Datenbank (erwartet: postgres://user@host:port/database)",
        "L'URL de base ne nomme aucune base (attendu : postgres://user@host:port/database)"),
    "Unknown sslmode '%1' (use one of %2)": ("Unbekannter sslmode „%1“ (erlaubt: %2)", "sslmode « %1 » inconnu (valeurs possibles : %2)"),
    "Unsupported database URL '%1': use sqlite:PATH or postgres://…": (
        "Nicht unterstützte Datenbank-URL „%1“: sqlite:PFAD oder postgres://… verwenden",
        "URL de base « %1 » non prise en charge : utilisez sqlite:CHEMIN ou postgres://…"),
    "Job %1 cannot go from %2 to %3": ("Auftrag %1 kann nicht von %2 nach %3 wechseln", "La tâche %1 ne peut pas passer de %2 à %3"),
    "No job with id %1": ("Kein Auftrag mit der Kennung %1", "Aucune tâche avec l'identifiant %1"),
    "A job needs a filename": ("Ein Auftrag braucht einen Dateinamen", "Une tâche a besoin d'un nom de fichier"),
    "Priority %1 is out of range (%2 to %3)": ("Priorität %1 liegt außerhalb des Bereichs (%2 bis %3)", "La priorité %1 est hors limites (%2 à %3)"),
    "Job %1 is already %2": ("Auftrag %1 ist bereits %2", "La tâche %1 est déjà %2"),
    "Job %1 is %2: only %3 jobs can be resumed": (
        "Auftrag %1 ist %2: nur Aufträge im Zustand %3 können fortgesetzt werden",
        "La tâche %1 est %2 : seules les tâches %3 peuvent reprendre"),
    "Job %1 is %2: only %3 jobs can be retried": (
        "Auftrag %1 ist %2: nur Aufträge im Zustand %3 können wiederholt werden",
        "La tâche %1 est %2 : seules les tâches %3 peuvent être relancées"),
    "Job %1 is completed: its priority no longer matters": (
        "Auftrag %1 ist abgeschlossen: seine Priorität spielt keine Rolle mehr",
        "La tâche %1 est terminée : sa priorité n'a plus d'importance"),
    "The table \"%1\" in database %2 is not Callboard's (it has no column \"%3\"): Callboard leaves it as it is; use another database": (
        "Die Tabelle „%1“ in der Datenbank %2 gehört nicht zu Callboard (ihr fehlt die Spalte „%3“): Callboard lässt sie unverändert; bitte eine andere Datenbank verwenden",
        "La table « %1 » de la base %2 n'appartient pas à Callboard (elle n'a pas de colonne « %3 ») : Callboard la laisse telle quelle ; utilisez une autre base"),
    "The database schema is version %1, newer than this Callboard understands (%2): upgrade Callboard": (
        "Das Datenbankschema hat Version %1, neuer als diese Callboard-Version versteht (%2): bitte Callboard aktualisieren",
        "Le schéma de la base est en version %1, plus récente que ce que ce Callboard comprend (%2) : mettez Callboard à jour"),
    "The database schema is at version %1 and needs migrating to %2, but user '%3' may not change the schema (%4): run `callboard migrate` once as the owner of the tables, with the CREATE right on the schema": (
        "Das Datenbankschema hat Version %1 und muss auf %2 migriert werden, aber Benutzer „%3“ darf das Schema nicht ändern (%4): `callboard migrate` einmal als Eigentümer der Tabellen mit dem CREATE-Recht auf dem Schema ausführen",
        "Le schéma de la base est en version %1 et doit passer en %2, mais l'utilisateur « %3 » ne peut pas modifier le schéma (%4) : lancez une fois `callboard migrate` en tant que propriétaire des tables, avec le droit CREATE sur le schéma"),
    "The database schema is at version %1 and needs migrating to %2, but the SQLite file %3 is read-only (%4): run `callboard migrate` once with write access to the file and its folder": (
        "Das Datenbankschema hat Version %1 und muss auf %2 migriert werden, aber die SQLite-Datei %3 ist schreibgeschützt (%4): `callboard migrate` einmal mit Schreibrecht auf Datei und Ordner ausführen",
        "Le schéma de la base est en version %1 et doit passer en %2, mais le fichier SQLite %3 est en lecture seule (%4) : lancez une fois `callboard migrate` avec le droit d'écrire le fichier et son dossier"),
    "Migration %1 (%2) failed: %3": ("Migration %1 (%2) fehlgeschlagen: %3", "La migration %1 (%2) a échoué : %3"),
    "Cannot LISTEN on %1": ("LISTEN auf %1 nicht möglich", "Impossible d'écouter (LISTEN) sur %1"),
    "The database did not answer and the connections were cut": (
        "Die Datenbank hat nicht geantwortet, die Verbindungen wurden getrennt",
        "La base n'a pas répondu et les connexions ont été coupées"),
    "not a Callboard database (it holds %1): Callboard leaves it as it is; choose another file": (
        "keine Callboard-Datenbank (sie enthält %1): Callboard lässt sie unverändert; bitte eine andere Datei wählen",
        "ce n'est pas une base Callboard (elle contient %1) : Callboard la laisse telle quelle ; choisissez un autre fichier"),
    # Enqueue errors (JobQueue::validate): said to the person adding plays, never stored.
    "(no filename)": ("(kein Dateiname)", "(sans nom de fichier)"),
    "%1 is empty: there is no play text to parse": (
        "%1 ist leer: Es gibt keinen Stücktext zum Einlesen", "%1 est vide : il n'y a aucun texte de pièce à analyser"),
    "%1 is %2 MB, over the limit of %3 MB": (
        "%1 ist %2 MB groß und überschreitet die Grenze von %3 MB", "%1 fait %2 Mo, au-delà de la limite de %3 Mo"),
    "%1 is not a text file (it contains NUL bytes)": (
        "%1 ist keine Textdatei (sie enthält NUL-Bytes)", "%1 n'est pas un fichier texte (il contient des octets NUL)"),
    "%1 is not valid UTF-8 text": ("%1 ist kein gültiger UTF-8-Text", "%1 n'est pas du texte UTF-8 valide"),
    "maxRetries %1 is out of range (0 to %2)": (
        "maxRetries %1 liegt außerhalb des Bereichs (0 bis %2)", "maxRetries %1 est hors limites (0 à %2)"),
    "chunkSize must be a positive number": ("chunkSize muss eine positive Zahl sein", "chunkSize doit être un nombre positif"),
    # Stuck jobs in the metrics dock (the command line prints them in English).
    "running, but the lock of worker %1 expired at %2": (
        "läuft, aber die Sperre von Worker %1 ist um %2 abgelaufen", "en cours, mais le verrou du worker %1 a expiré à %2"),
    "retried %1 times": ("%1-mal wiederholt", "relancée %1 fois"),
    "retried %1 times; last error: %2": (
        "%1-mal wiederholt; letzter Fehler: %2", "relancée %1 fois ; dernière erreur : %2"),
    "paused since %1": ("pausiert seit %1", "en pause depuis %1"),
    "&Prune Finished Jobs…": ("Erledigte Aufträge &bereinigen…", "&Purger les tâches terminées…"),
    "Delete completed, failed and cancelled jobs older than a number of days, with their events (playbooks are kept)": (
        "Abgeschlossene, fehlgeschlagene und abgebrochene Aufträge löschen, die älter als eine Anzahl Tage sind, samt ihren Ereignissen (Playbooks bleiben erhalten)",
        "Supprimer les tâches terminées, en échec ou annulées plus anciennes qu'un nombre de jours, avec leurs événements (les playbooks sont conservés)"),
    "Prune Finished Jobs": ("Erledigte Aufträge bereinigen", "Purger les tâches terminées"),
    "Delete finished jobs older than (days):": ("Erledigte Aufträge löschen, die älter sind als (Tage):", "Supprimer les tâches terminées plus anciennes que (jours) :"),
    "Pruning finished jobs older than %n day(s)…": (
        ("Erledigte Aufträge älter als %n Tag werden bereinigt…", "Erledigte Aufträge älter als %n Tage werden bereinigt…"),
        ("Purge des tâches terminées de plus de %n jour…", "Purge des tâches terminées de plus de %n jours…")),
    "Pruned %n finished job(s) older than %1 day(s).": (
        ("%n erledigter Auftrag älter als %1 Tag(e) gelöscht.", "%n erledigte Aufträge älter als %1 Tag(e) gelöscht."),
        ("%n tâche terminée de plus de %1 jour(s) supprimée.", "%n tâches terminées de plus de %1 jour(s) supprimées.")),
    "Could not prune: %1": ("Bereinigen nicht möglich: %1", "Purge impossible : %1"),
    "Connect to a Queue Database": ("Mit einer Auftragsdatenbank verbinden", "Se connecter à une base de tâches"),
    "(choose a recent connection)": ("(zuletzt benutzte Verbindung wählen)", "(choisir une connexion récente)"),
    "Embedded SQLite file (this computer only)": ("Eingebettete SQLite-Datei (nur dieser Rechner)", "Fichier SQLite intégré (cet ordinateur seulement)"),
    "PostgreSQL server (shared by many computers)": ("PostgreSQL-Server (von mehreren Rechnern geteilt)", "Serveur PostgreSQL (partagé par plusieurs ordinateurs)"),
    "Browse…": ("Durchsuchen…", "Parcourir…"),
    "Database file:": ("Datenbankdatei:", "Fichier de base :"),
    "The file is created if it does not exist. Only this computer's workers can share it.": (
        "Die Datei wird angelegt, falls sie fehlt. Nur die Worker dieses Rechners können sie teilen.",
        "Le fichier est créé s'il n'existe pas. Seuls les workers de cet ordinateur peuvent le partager."),
    "Remember the password in the system keychain": ("Passwort im Schlüsselbund des Systems speichern", "Mémoriser le mot de passe dans le trousseau du système"),
    "Port:": ("Port:", "Port :"),
    "Host:": ("Host:", "Hôte :"),
    "Database:": ("Datenbank:", "Base de données :"),
    "User:": ("Benutzer:", "Utilisateur :"),
    "Password:": ("Passwort:", "Mot de passe :"),
    "SSL mode:": ("SSL-Modus:", "Mode SSL :"),
    "&Test Connection": ("Verbindung &testen", "&Tester la connexion"),
    "&Connect": ("&Verbinden", "Se &connecter"),
    "Cancel": ("Abbrechen", "Annuler"),
    "Queue database": ("Auftragsdatenbank", "Base de tâches"),
    "Recent:": ("Zuletzt:", "Récentes :"),
    "Queue Database File": ("Datei der Auftragsdatenbank", "Fichier de la base de tâches"),
    "SQLite databases (*.db *.sqlite);;All files (*)": ("SQLite-Datenbanken (*.db *.sqlite);;Alle Dateien (*)", "Bases SQLite (*.db *.sqlite);;Tous les fichiers (*)"),
    "Looking for the password in the system keychain…": ("Passwort wird im Schlüsselbund gesucht…", "Recherche du mot de passe dans le trousseau…"),
    "Password taken from the keychain.": ("Passwort aus dem Schlüsselbund übernommen.", "Mot de passe repris du trousseau."),
    "No keychain is available: please enter the password.": ("Kein Schlüsselbund verfügbar: Bitte geben Sie das Passwort ein.", "Aucun trousseau disponible : veuillez saisir le mot de passe."),
    "Choose a database file.": ("Wählen Sie eine Datenbankdatei.", "Choisissez un fichier de base."),
    "Enter the server's host name.": ("Geben Sie den Hostnamen des Servers ein.", "Saisissez le nom d'hôte du serveur."),
    "The port must be a number from 1 to 65535.": ("Der Port muss eine Zahl von 1 bis 65535 sein.", "Le port doit être un nombre de 1 à 65535."),
    "Enter the database name.": ("Geben Sie den Namen der Datenbank ein.", "Saisissez le nom de la base de données."),
    "Connected to %1. The queue tables will be created.": ("Verbunden mit %1. Die Tabellen der Warteschlange werden angelegt.", "Connecté à %1. Les tables de la file seront créées."),
    "Connected to %1 (schema version %2).": ("Verbunden mit %1 (Schemaversion %2).", "Connecté à %1 (version du schéma %2)."),
    "Connecting to %1…": ("Verbindung zu %1 wird aufgebaut…", "Connexion à %1…"),
    "%1 s": ("%1 s", "%1 s"),
    "%1 min %2 s": ("%1 min %2 s", "%1 min %2 s"),
    "%1 h %2 min": ("%1 h %2 min", "%1 h %2 min"),
    "does not exist": ("existiert nicht", "n'existe pas"),
    "is not a regular file": ("ist keine normale Datei", "n'est pas un fichier ordinaire"),
    "is empty": ("ist leer", "est vide"),
    "is too large (%1 MB, the limit is %2 MB)": ("ist zu groß (%1 MB, die Grenze ist %2 MB)", "est trop volumineux (%1 Mo, la limite est %2 Mo)"),
    "cannot be read (%1)": ("kann nicht gelesen werden (%1)", "ne peut pas être lu (%1)"),
    "is too large": ("ist zu groß", "est trop volumineux"),
    "is a binary file, not text": ("ist eine Binärdatei, kein Text", "est un fichier binaire, pas du texte"),
    "is not UTF-8 text": ("ist kein UTF-8-Text", "n'est pas du texte UTF-8"),
    "&Add Files…": ("Dateien &hinzufügen…", "&Ajouter des fichiers…"),
    "Enqueue play files or folders": ("Stückdateien oder Ordner einreihen", "Mettre en file des fichiers de pièces ou des dossiers"),
    "&Pause": ("&Pausieren", "Mettre en &pause"),
    "Pause the selected jobs (a running job stops at its next chunk)": (
        "Ausgewählte Aufträge pausieren (ein laufender Auftrag hält am nächsten Abschnitt an)",
        "Mettre en pause les tâches sélectionnées (une tâche en cours s'arrête au prochain segment)"),
    "&Resume": ("&Fortsetzen", "&Reprendre"),
    "Put the selected paused jobs back in the queue": ("Ausgewählte pausierte Aufträge wieder einreihen", "Remettre en file les tâches en pause sélectionnées"),
    "&Cancel": ("Abb&rechen", "A&nnuler"),
    "Cancel the selected jobs": ("Ausgewählte Aufträge abbrechen", "Annuler les tâches sélectionnées"),
    "Re&try": ("&Wiederholen", "Réess&ayer"),
    "Queue the selected failed or cancelled jobs again": ("Ausgewählte fehlgeschlagene oder abgebrochene Aufträge erneut einreihen", "Remettre en file les tâches échouées ou annulées sélectionnées"),
    "Priority &Up": ("Priorität &erhöhen", "Priorité &plus haute"),
    "Raise the priority of the selected jobs by one": ("Priorität der ausgewählten Aufträge um eins erhöhen", "Augmenter d'un la priorité des tâches sélectionnées"),
    "Priority &Down": ("Priorität &senken", "Priorité plus &basse"),
    "Lower the priority of the selected jobs by one": ("Priorität der ausgewählten Aufträge um eins senken", "Diminuer d'un la priorité des tâches sélectionnées"),
    "Set Pr&iority…": ("Pr&iorität festlegen…", "Définir la pr&iorité…"),
    "Set the priority of the selected jobs": ("Priorität der ausgewählten Aufträge festlegen", "Définir la priorité des tâches sélectionnées"),
    "Cancel jobs": ("Aufträge abbrechen", "Annuler des tâches"),
    "Set Priority": ("Priorität festlegen", "Définir la priorité"),
    "Priority (higher runs first):": ("Priorität (höhere läuft zuerst):", "Priorité (la plus haute passe en premier) :"),
    "paused": ("pausiert", "mises en pause"),
    "resumed": ("fortgesetzt", "reprises"),
    "Cancel %n job(s)? A running job stops at its next chunk.": (
        ("%n Auftrag abbrechen? Ein laufender Auftrag hält am nächsten Abschnitt an.",
         "%n Aufträge abbrechen? Ein laufender Auftrag hält am nächsten Abschnitt an."),
        ("Annuler %n tâche ? Une tâche en cours s'arrête au prochain segment.",
         "Annuler %n tâches ? Une tâche en cours s'arrête au prochain segment.")),
    "cancelled": ("abgebrochen", "annulées"),
    "queued again": ("erneut eingereiht", "remises en file"),
    "%1: %2": ("%1: %2", "%1 : %2"),
    "%n job(s) refused: %1": (("%n Auftrag abgelehnt: %1", "%n Aufträge abgelehnt: %1"),
                               ("%n tâche refusée : %1", "%n tâches refusées : %1")),
    "%n job(s) %1.": (("%n Auftrag %1.", "%n Aufträge %1."), ("Tâches %1 : %n.", "Tâches %1 : %n.")),
    "Nothing was %1: the selected jobs are in states that do not allow it.": (
        "Nichts wurde %1: Der Zustand der ausgewählten Aufträge erlaubt es nicht.",
        "Aucune tâche n'a été traitée (%1) : l'état des tâches sélectionnées ne le permet pas."),
    "Priority changed for %n job(s).": (("Priorität von %n Auftrag geändert.", "Priorität von %n Aufträgen geändert."),
                                        ("Priorité modifiée pour %n tâche.", "Priorité modifiée pour %n tâches.")),
    "Select a job to see its details.": ("Wählen Sie einen Auftrag, um seine Details zu sehen.", "Sélectionnez une tâche pour voir ses détails."),
    "Job:": ("Auftrag:", "Tâche :"),
    "File:": ("Datei:", "Fichier :"),
    "Status:": ("Status:", "État :"),
    "Priority:": ("Priorität:", "Priorité :"),
    "Progress:": ("Fortschritt:", "Progression :"),
    "Retries:": ("Wiederholungen:", "Reprises :"),
    "Worker:": ("Worker:", "Worker :"),
    "Created:": ("Erstellt:", "Créée :"),
    "Started:": ("Gestartet:", "Démarrée :"),
    "Finished:": ("Beendet:", "Terminée :"),
    "Updated:": ("Aktualisiert:", "Mise à jour :"),
    "Duration:": ("Dauer:", "Durée :"),
    "Error:": ("Fehler:", "Erreur :"),
    "The playbook appears here when the job has completed.": ("Das Playbook erscheint hier, sobald der Auftrag abgeschlossen ist.", "Le playbook apparaît ici quand la tâche est terminée."),
    "Export JSON…": ("Als JSON exportieren…", "Exporter en JSON…"),
    "Details": ("Details", "Détails"),
    "Timeline": ("Verlauf", "Historique"),
    "Playbook": ("Playbook", "Playbook"),
    "Export Playbook": ("Playbook exportieren", "Exporter le playbook"),
    "JSON files (*.json)": ("JSON-Dateien (*.json)", "Fichiers JSON (*.json)"),
    " (%1 requested)": (" (%1 angefordert)", " (%1 demandée)"),
    "pause": ("Pause", "pause"),
    "cancel": ("Abbruch", "annulation"),
    " (%1 of %2 chunks)": (" (%1 von %2 Abschnitten)", " (%1 segments sur %2)"),
    "%1 of %2": ("%1 von %2", "%1 sur %2"),
    "—": ("—", "—"),
    "<b>%1</b><br>%2 characters · %3 acts · %4 scenes · %5 speeches": (
        "<b>%1</b><br>%2 Figuren · %3 Akte · %4 Szenen · %5 Repliken",
        "<b>%1</b><br>%2 personnages · %3 actes · %4 scènes · %5 répliques"),
    "Playbook exported to %1.": ("Playbook nach %1 exportiert.", "Playbook exporté vers %1."),
    "Could not export the playbook: %1": ("Das Playbook konnte nicht exportiert werden: %1", "Impossible d'exporter le playbook : %1"),
    "Enqueued": ("Eingereiht", "Mise en file"),
    "Claimed by a worker": ("Von einem Worker übernommen", "Prise par un worker"),
    "Reclaimed after lock expiry": ("Nach Ablauf der Sperre neu übernommen", "Reprise après expiration du verrou"),
    "Chunk parsed": ("Abschnitt eingelesen", "Segment analysé"),
    "Completed": ("Abgeschlossen", "Terminée"),
    "Retry scheduled": ("Wiederholung geplant", "Nouvel essai planifié"),
    "Failed": ("Fehlgeschlagen", "Échouée"),
    "Released to the queue": ("An die Warteschlange zurückgegeben", "Rendue à la file"),
    "Paused": ("Pausiert", "En pause"),
    "Cancelled": ("Abgebrochen", "Annulée"),
    "Resumed": ("Fortgesetzt", "Reprise"),
    "Retried by hand": ("Von Hand wiederholt", "Relancée à la main"),
    "Pause requested": ("Pause angefordert", "Pause demandée"),
    "Cancel requested": ("Abbruch angefordert", "Annulation demandée"),
    "Priority changed": ("Priorität geändert", "Priorité modifiée"),
    "Time": ("Zeit", "Heure"),
    "Event": ("Ereignis", "Événement"),
    "Actor": ("Akteur", "Acteur"),
    "Queued": ("Wartend", "En file"),
    "Running": ("Läuft", "En cours"),
    "Retrying": ("Wird wiederholt", "Nouvel essai"),
    "Status": ("Status", "État"),
    "File": ("Datei", "Fichier"),
    "Priority": ("Priorität", "Priorité"),
    "Progress": ("Fortschritt", "Progression"),
    "Retries": ("Wiederh.", "Reprises"),
    "Worker": ("Worker", "Worker"),
    "Created": ("Erstellt", "Créée"),
    "Started": ("Gestartet", "Démarrée"),
    "Duration": ("Dauer", "Durée"),
    "Last error": ("Letzter Fehler", "Dernière erreur"),
    "%1\nJob %2": ("%1\nAuftrag %2", "%1\nTâche %2"),
    "%1 / %2 chunks": ("%1 / %2 Abschnitte", "%1 / %2 segments"),
    "%1 (pausing…)": ("%1 (wird pausiert…)", "%1 (mise en pause…)"),
    "%1 (starting over…)": ("%1 (beginnt von vorn…)", "%1 (redémarrage…)"),
    "Start &Over…": ("&Von vorn beginnen…", "&Recommencer…"),
    "Parse the selected jobs again from the beginning: their checkpoints and progress are cleared": (
        "Ausgewählte Aufträge von vorn neu einlesen: Prüfpunkte und Fortschritt werden gelöscht",
        "Analyser de nouveau les tâches sélectionnées depuis le début : leurs points de reprise et leur progression sont effacés"),
    "Callboard": ("Callboard", "Callboard"),
    "Start %1 over from the beginning? Its checkpoint and progress are cleared; a completed job gets a new playbook.": (
        "%1 von vorn beginnen? Prüfpunkt und Fortschritt werden gelöscht; ein abgeschlossener Auftrag erhält ein neues Playbook.",
        "Recommencer %1 depuis le début ? Son point de reprise et sa progression sont effacés ; une tâche terminée reçoit un nouveau playbook."),
    "Start these %n jobs over from the beginning? Their checkpoints and progress are cleared; completed jobs get new playbooks.": (
        ("Diesen %n Auftrag von vorn beginnen? Prüfpunkt und Fortschritt werden gelöscht; ein abgeschlossener Auftrag erhält ein neues Playbook.",
         "Diese %n Aufträge von vorn beginnen? Prüfpunkte und Fortschritt werden gelöscht; abgeschlossene Aufträge erhalten neue Playbooks."),
        ("Recommencer cette tâche depuis le début ? Son point de reprise et sa progression sont effacés ; une tâche terminée reçoit un nouveau playbook.",
         "Recommencer ces %n tâches depuis le début ? Leurs points de reprise et leur progression sont effacés ; les tâches terminées reçoivent de nouveaux playbooks.")),
    "started over": ("von vorn begonnen", "recommencé"),
    "chunks %1–%2 of %3": ("Abschnitte %1–%2 von %3", "segments %1 à %2 sur %3"),
    "The chunk size must be a whole number from 1 to 1000000": (
        "Die Abschnittsgröße muss eine ganze Zahl von 1 bis 1000000 sein",
        "La taille des segments doit être un nombre entier de 1 à 1000000"),
    "Unknown provider '%1' (use %2)": ("Unbekannter Anbieter „%1“ (verwenden Sie %2)", "Fournisseur « %1 » inconnu (utilisez %2)"),
    "A restart cannot change '%1' (only chunkSize and provider)": (
        "Ein Neubeginn kann „%1“ nicht ändern (nur chunkSize und provider)",
        "Un redémarrage ne peut pas modifier « %1 » (seulement chunkSize et provider)"),
    "Job %1 is running (worker %2): pause or cancel it first, then restart it": (
        "Auftrag %1 läuft (Worker %2): zuerst pausieren oder abbrechen, dann neu beginnen",
        "La tâche %1 est en cours (worker %2) : mettez-la en pause ou annulez-la d'abord, puis recommencez-la"),
    "%1 (resuming…)": ("%1 (wird fortgesetzt…)", "%1 (reprise…)"),
    "%1 (retrying…)": ("%1 (wird erneut eingereiht…)", "%1 (relance…)"),
    "%1 (changing priority…)": ("%1 (Priorität wird geändert…)", "%1 (changement de priorité…)"),
    "reprioritised": ("neu priorisiert", "repriorisées"),
    "Round trip: %1 ms": ("Antwortzeit: %1 ms", "Aller-retour : %1 ms"),
    "Time the database takes to answer the window (round trip)": (
        "Zeit, die die Datenbank braucht, um dem Fenster zu antworten (Hin und zurück)",
        "Temps que met la base de données à répondre à la fenêtre (aller-retour)"),
    "The queue database has not answered for %n second(s)": (
        ("Die Auftragsdatenbank hat seit %n Sekunde nicht geantwortet", "Die Auftragsdatenbank hat seit %n Sekunden nicht geantwortet"),
        ("La base de tâches ne répond plus depuis %n seconde", "La base de tâches ne répond plus depuis %n secondes")),
    "Not connected to the queue database": ("Nicht mit der Auftragsdatenbank verbunden", "Non connecté à la base de tâches"),
    "The connection to the queue database was lost": ("Die Verbindung zur Auftragsdatenbank ist abgebrochen", "La connexion à la base de tâches a été perdue"),
    "%1 (cancelling…)": ("%1 (wird abgebrochen…)", "%1 (annulation…)"),
    "%1 — Callboard": ("%1 — Callboard", "%1 — Callboard"),
    "<b>Status</b>": ("<b>Status</b>", "<b>État</b>"),
    "<b>Workers</b>": ("<b>Worker</b>", "<b>Workers</b>"),
    "Filter by file, job or worker…": ("Nach Datei, Auftrag oder Worker filtern…", "Filtrer par fichier, tâche ou worker…"),
    "Enqueuing %v of %m": ("Einreihen: %v von %m", "Mise en file : %v sur %m"),
    "Stop enqueuing": ("Einreihen beenden", "Arrêter la mise en file"),
    "Not connected: %1": ("Nicht verbunden: %1", "Non connecté : %1"),
    "<p style='font-size:18pt'><b>Drop to enqueue</b></p><p>Play files and folders (searched recursively) become queued jobs.</p>": (
        "<p style='font-size:18pt'><b>Zum Einreihen ablegen</b></p><p>Stückdateien und Ordner (rekursiv durchsucht) werden zu wartenden Aufträgen.</p>",
        "<p style='font-size:18pt'><b>Déposer pour mettre en file</b></p><p>Les fichiers de pièces et les dossiers (parcourus récursivement) deviennent des tâches en file.</p>"),
    "Add Play Files": ("Stückdateien hinzufügen", "Ajouter des fichiers de pièces"),
    "Text files (*.txt *.text *.md);;All files (*)": ("Textdateien (*.txt *.text *.md);;Alle Dateien (*)", "Fichiers texte (*.txt *.text *.md);;Tous les fichiers (*)"),
    "Could not open the queue database: %1": ("Die Auftragsdatenbank konnte nicht geöffnet werden: %1", "Impossible d'ouvrir la base de tâches : %1"),
    "&Connect to Database…": ("Mit Datenbank &verbinden…", "Se &connecter à une base…"),
    "Open another queue database (SQLite file or PostgreSQL)": ("Eine andere Auftragsdatenbank öffnen (SQLite-Datei oder PostgreSQL)", "Ouvrir une autre base de tâches (fichier SQLite ou PostgreSQL)"),
    "&Quit": ("&Beenden", "&Quitter"),
    "&About Callboard": ("Ü&ber Callboard", "À &propos de Callboard"),
    "About Callboard": ("Über Callboard", "À propos de Callboard"),
    "<h3>Callboard %1</h3><p>Watches and controls the play-import jobs of Theatre Play Buddy.</p>": (
        "<h3>Callboard %1</h3><p>Überwacht und steuert die Import-Aufträge für Theaterstücke von Theatre Play Buddy.</p>",
        "<h3>Callboard %1</h3><p>Surveille et pilote les tâches d'import de pièces de Theatre Play Buddy.</p>"),
    "&File": ("&Datei", "&Fichier"),
    "&Jobs": ("&Aufträge", "&Tâches"),
    "&Help": ("&Hilfe", "&Aide"),
    "Jobs": ("Aufträge", "Tâches"),
    "All": ("Alle", "Toutes"),
    "All (%1)": ("Alle (%1)", "Toutes (%1)"),
    "%1 (%2)": ("%1 (%2)", "%1 (%2)"),
    "%1 %2": ("%1 %2", "%1 %2"),
    "%n job(s)": (("%n Auftrag", "%n Aufträge"), ("%n tâche", "%n tâches")),
    "Enqueuing %n item(s)…": (("%n Eintrag wird eingereiht…", "%n Einträge werden eingereiht…"),
                               ("Mise en file de %n élément…", "Mise en file de %n éléments…")),
    "%n file(s) enqueued.": (("%n Datei eingereiht.", "%n Dateien eingereiht."),
                             ("%n fichier mis en file.", "%n fichiers mis en file.")),
    "Stopped before the end.": ("Vor dem Ende angehalten.", "Arrêté avant la fin."),
    "Enqueue Failed": ("Einreihen fehlgeschlagen", "Échec de la mise en file"),
    "The queue database refused the files: %1": ("Die Auftragsdatenbank hat die Dateien abgelehnt: %1", "La base de tâches a refusé les fichiers : %1"),
    "%n file(s) could not be enqueued.": (("%n Datei konnte nicht eingereiht werden.", "%n Dateien konnten nicht eingereiht werden."),
                                          ("%n fichier n'a pas pu être mis en file.", "%n fichiers n'ont pas pu être mis en file.")),
    "• %1 %2": ("• %1 %2", "• %1 %2"),
    "… and %n more.": (("… und %n weitere.", "… und %n weitere."), ("… et %n autre.", "… et %n autres.")),
    "%n file(s) could not be enqueued:": (("%n Datei konnte nicht eingereiht werden:", "%n Dateien konnten nicht eingereiht werden:"),
                                          ("%n fichier n'a pas pu être mis en file :", "%n fichiers n'ont pas pu être mis en file :")),
    "The other %n file(s) were enqueued.": (("Die andere Datei wurde eingereiht.", "Die anderen %n Dateien wurden eingereiht."),
                                            ("L'autre fichier a été mis en file.", "Les %n autres fichiers ont été mis en file.")),
    "Some Files Were Not Enqueued": ("Einige Dateien wurden nicht eingereiht", "Certains fichiers n'ont pas été mis en file"),
    "Reset Columns": ("Spalten zurücksetzen", "Réinitialiser les colonnes"),
    "This build has no keychain support": ("Dieser Build unterstützt keinen Schlüsselbund", "Cette version ne prend pas en charge le trousseau"),
    "Name": ("Name", "Nom"),
    "Speeches": ("Repliken", "Répliques"),
    "Acts and scenes": ("Akte und Szenen", "Actes et scènes"),
    "(untitled act %1)": ("(Akt %1 ohne Titel)", "(acte %1 sans titre)"),
    "(untitled scene %1)": ("(Szene %1 ohne Titel)", "(scène %1 sans titre)"),
    "Characters (%1)": ("Figuren (%1)", "Personnages (%1)"),
    "Also printed as: %1": ("Auch gedruckt als: %1", "Aussi imprimé comme : %1"),
    "Not in the playbook's character list": ("Nicht im Figurenverzeichnis des Playbooks", "Absent de la liste des personnages du playbook"),
    "0 (monitor only)": ("0 (nur beobachten)", "0 (surveillance seule)"),
    "Worker threads this window runs; 0 only watches the queue": ("Worker-Threads dieses Fensters; 0 beobachtet nur die Warteschlange", "Threads workers de cette fenêtre ; 0 surveille seulement la file"),
    "Job": ("Auftrag", "Tâche"),
    "Since": ("Seit", "Depuis"),
    "Workers here:": ("Worker hier:", "Workers ici :"),
    "This window only watches the queue: it runs no workers": ("Dieses Fenster beobachtet nur die Warteschlange: Es führt keine Worker aus", "Cette fenêtre surveille seulement la file : elle n'exécute aucun worker"),
    "idle": ("untätig", "inactif"),
    "This window (%1)": ("Dieses Fenster (%1)", "Cette fenêtre (%1)"),
    "Other processes (%1)": ("Andere Prozesse (%1)", "Autres processus (%1)"),
    "State": ("Zustand", "État"),
    "Host": ("Host", "Hôte"),
    "PID": ("PID", "PID"),
    "Version": ("Version", "Version"),
    "Last heartbeat": ("Letzter Herzschlag", "Dernier battement"),
    "active": ("aktiv", "actif"),
    "lost": ("verloren", "perdu"),
    "running": ("läuft", "en cours"),
    "%1 (this window)": ("%1 (dieses Fenster)", "%1 (cette fenêtre)"),
    "%1 held, %n worker(s)": (
        ("%1 gehalten, %n Worker", "%1 gehalten, %n Worker"),
        ("%1 détenue(s), %n worker", "%1 détenue(s), %n workers")),
    "Its locks last %n second(s) without a heartbeat; a heartbeat every %1 s": (
        ("Seine Sperren halten %n Sekunde ohne Herzschlag; ein Herzschlag alle %1 s",
         "Seine Sperren halten %n Sekunden ohne Herzschlag; ein Herzschlag alle %1 s"),
        ("Ses verrous durent %n seconde sans battement ; un battement toutes les %1 s",
         "Ses verrous durent %n secondes sans battement ; un battement toutes les %1 s")),
    "No heartbeat within its lock duration: the process is gone or cut off, and its jobs return to the queue": (
        "Kein Herzschlag innerhalb seiner Sperrdauer: Der Prozess ist beendet oder abgeschnitten, und seine Aufträge kehren in die Warteschlange zurück",
        "Aucun battement pendant la durée de ses verrous : le processus a disparu ou est coupé, et ses tâches retournent dans la file"),
    "chunk %1 of %2": ("Abschnitt %1 von %2", "segment %1 sur %2"),
    "%n speech(es)": (("%n Replik", "%n Repliken"), ("%n réplique", "%n répliques")),
    "%1 ms": ("%1 ms", "%1 ms"),
    "Connecting was cancelled.": ("Der Verbindungsaufbau wurde abgebrochen.", "La connexion a été annulée."),
    "Not Connected": ("Nicht verbunden", "Non connecté"),
    "Activity": ("Aktivität", "Activité"),
    "&Activity": ("&Aktivität", "&Activité"),
    "All events": ("Alle Ereignisse", "Tous les événements"),
    "Job or file…": ("Auftrag oder Datei…", "Tâche ou fichier…"),
    "Worker…": ("Worker filtern…", "Filtrer par worker…"),
    "&Queue Metrics": ("&Warteschlangen-Kennzahlen", "&Métriques de la file"),
    "Queue Metrics": ("Warteschlangen-Kennzahlen", "Métriques de la file"),
    "&View": ("&Ansicht", "&Affichage"),
    "Connection to the queue database lost: %1": ("Verbindung zur Auftragsdatenbank verloren: %1", "Connexion à la base de tâches perdue : %1"),
    "SSL: %1": ("SSL: %1", "SSL : %1"),
    "default (prefer)": ("Standard (prefer)", "par défaut (prefer)"),
    "%1 / %2 / %3": ("%1 / %2 / %3", "%1 / %2 / %3"),
    "%1 / %2": ("%1 / %2", "%1 / %2"),
    "%1:": ("%1:", "%1 :"),
    "Completed / failed per min:": ("Abgeschlossen / fehlgeschlagen pro Min.:", "Terminées / échouées par min :"),
    "Completed per minute": ("Abgeschlossen pro Minute", "Terminées par minute"),
    "Failure rate:": ("Fehlerquote:", "Taux d'échec :"),
    "Last hour": ("Letzte Stunde", "Dernière heure"),
    "Lock expired": ("Sperre abgelaufen", "Verrou expiré"),
    "Many retries": ("Viele Wiederholungen", "Nombreuses reprises"),
    "Metrics: %1": ("Kennzahlen: %1", "Métriques : %1"),
    "Minutes": ("Minuten", "Minutes"),
    "Oldest queued:": ("Ältester wartender:", "Plus ancienne en attente :"),
    "Paused for long": ("Lange pausiert", "En pause depuis longtemps"),
    "Queue depth": ("Warteschlangenlänge", "Profondeur de la file"),
    "Ready / scheduled:": ("Bereit / geplant:", "Prêtes / planifiées :"),
    "Reason": ("Grund", "Raison"),
    "Retry rate:": ("Wiederholungsquote:", "Taux de reprise :"),
    "Run p50 / p95 / max:": ("Laufzeit p50 / p95 / max:", "Exécution p50 / p95 / max :"),
    "Stuck job": ("Hängender Auftrag", "Tâche bloquée"),
    "Wait p50 / p95 / max:": ("Wartezeit p50 / p95 / max:", "Attente p50 / p95 / max :"),
    # Add Plays dialog, paste, Remove, permanent failures, next attempt (issue 13 item 10)
    "Add Plays": ("Stücke hinzufügen", "Ajouter des pièces"),
    "Reading the files…": ("Die Dateien werden gelesen…", "Lecture des fichiers…"),
    "Play": ("Stück", "Pièce"),
    "Folder": ("Ordner", "Dossier"),
    "Size": ("Größe", "Taille"),
    "Note": ("Hinweis", "Remarque"),
    "Higher runs first": ("Höhere zuerst", "Les plus élevées d'abord"),
    " lines": (" Zeilen", " lignes"),
    "Lines per chunk: a checkpoint is kept after each": ("Zeilen je Abschnitt: nach jedem wird ein Prüfpunkt gespeichert", "Lignes par segment : un point de reprise est gardé après chacun"),
    "Built-in parser (heuristic)": ("Eingebauter Parser (heuristisch)", "Analyseur intégré (heuristique)"),
    "Language model (%1)": ("Sprachmodell (%1)", "Modèle de langage (%1)"),
    "Retries before a job fails": ("Wiederholungen, bevor ein Auftrag fehlschlägt", "Reprises avant l'échec d'une tâche"),
    "&Priority:": ("&Priorität:", "&Priorité :"),
    "&Chunk size:": ("&Abschnittsgröße:", "Taille des &segments :"),
    "Pa&rser:": ("Pa&rser:", "Ana&lyseur :"),
    "Max &retries:": ("Max. &Wiederholungen:", "&Reprises max. :"),
    "&Enqueue": ("&Einreihen", "&Mettre en file"),
    "(pasted text)": ("(eingefügter Text)", "(texte collé)"),
    "the same text as %1 above": ("derselbe Text wie %1 weiter oben", "le même texte que %1 plus haut"),
    "(Could not check for plays already in the queue: %1)": ("(Prüfung auf bereits eingereihte Stücke nicht möglich: %1)", "(Impossible de vérifier les pièces déjà en file : %1)"),
    "already in the queue: %1 (%2, same file)": ("schon in der Warteschlange: %1 (%2, dieselbe Datei)", "déjà dans la file : %1 (%2, même fichier)"),
    "already in the queue from this file, with other text: %1 (%2)": ("aus dieser Datei schon in der Warteschlange, mit anderem Text: %1 (%2)", "déjà dans la file depuis ce fichier, avec un autre texte : %1 (%2)"),
    "already in the queue: %1 (%2, same text)": ("schon in der Warteschlange: %1 (%2, derselbe Text)", "déjà dans la file : %1 (%2, même texte)"),
    "%n of %1 file(s) will be enqueued.": (
        ("%n von %1 Datei(en) wird eingereiht.", "%n von %1 Datei(en) werden eingereiht."),
        ("%n fichier sur %1 sera mis en file.", "%n fichiers sur %1 seront mis en file.")),
    "%n play(s) are already in the queue: tick them to add them again.": (
        ("%n Stück ist schon in der Warteschlange: zum erneuten Hinzufügen ankreuzen.", "%n Stücke sind schon in der Warteschlange: zum erneuten Hinzufügen ankreuzen."),
        ("%n pièce est déjà dans la file : cochez-la pour l'ajouter à nouveau.", "%n pièces sont déjà dans la file : cochez-les pour les ajouter à nouveau.")),
    "&Enqueue %n Play(s)": (
        ("%n Stück &einreihen", "%n Stücke &einreihen"),
        ("&Mettre %n pièce en file", "&Mettre %n pièces en file")),
    "Job %1 is %2: only completed, failed or cancelled jobs can be removed (cancel it first)": (
        "Auftrag %1 ist %2: nur abgeschlossene, fehlgeschlagene oder abgebrochene Aufträge können entfernt werden (zuerst abbrechen)",
        "La tâche %1 est %2 : seules les tâches terminées, en échec ou annulées peuvent être retirées (annulez-la d'abord)"),
    "Queue the selected failed or cancelled jobs again (not those whose failure no retry can fix)": (
        "Die gewählten fehlgeschlagenen oder abgebrochenen Aufträge erneut einreihen (nicht die, deren Fehler keine Wiederholung behebt)",
        "Remettre en file les tâches en échec ou annulées sélectionnées (pas celles dont l'échec ne se corrige pas par une reprise)"),
    "Re&move…": ("Ent&fernen…", "Re&tirer…"),
    "Delete the selected finished jobs and their events (their playbooks on request)": (
        "Die gewählten erledigten Aufträge und ihre Ereignisse löschen (ihre Playbooks auf Wunsch)",
        "Supprimer les tâches terminées sélectionnées et leurs événements (leurs playbooks sur demande)"),
    "Remove Jobs": ("Aufträge entfernen", "Retirer des tâches"),
    "Remove %n finished job(s) and their events? This cannot be undone.": (
        ("%n erledigten Auftrag und seine Ereignisse entfernen? Das kann nicht rückgängig gemacht werden.", "%n erledigte Aufträge und ihre Ereignisse entfernen? Das kann nicht rückgängig gemacht werden."),
        ("Retirer %n tâche terminée et ses événements ? Cette action est irréversible.", "Retirer %n tâches terminées et leurs événements ? Cette action est irréversible.")),
    "Remove": ("Entfernen", "Retirer"),
    "Also delete their %n playbook(s)": (
        ("Auch ihr Playbook löschen", "Auch ihre %n Playbooks löschen"),
        ("Supprimer aussi son playbook", "Supprimer aussi leurs %n playbooks")),
    "Nothing was removed: only completed, failed or cancelled jobs can be removed.": (
        "Nichts entfernt: nur abgeschlossene, fehlgeschlagene oder abgebrochene Aufträge können entfernt werden.",
        "Rien n'a été retiré : seules les tâches terminées, en échec ou annulées peuvent l'être."),
    "removed with their playbooks": ("samt Playbooks entfernt", "retirée(s) avec leurs playbooks"),
    "removed": ("entfernt", "retirée(s)"),
    "Source:": ("Quelle:", "Source :"),
    "next attempt at %1 (in %2)": ("nächster Versuch um %1 (in %2)", "prochaine tentative à %1 (dans %2)"),
    "a retry cannot fix this failure": ("eine Wiederholung behebt diesen Fehler nicht", "une reprise ne corrige pas cet échec"),
    "Error (permanent):": ("Fehler (dauerhaft):", "Erreur (définitive) :"),
    "%1\nFrom %2\nJob %3": ("%1\nAus %2\nAuftrag %3", "%1\nDepuis %2\nTâche %3"),
    "A retry cannot fix this failure: %1": ("Eine Wiederholung behebt diesen Fehler nicht: %1", "Une reprise ne corrige pas cet échec : %1"),
    "Next attempt at %1": ("Nächster Versuch um %1", "Prochaine tentative à %1"),
    "%1 (removing…)": ("%1 (wird entfernt…)", "%1 (retrait…)"),
    "%1 — next in %2": ("%1 — nächster in %2", "%1 — prochaine dans %2"),
    "%1 — due now": ("%1 — jetzt fällig", "%1 — imminente"),
    "%1 (permanent)": ("%1 (dauerhaft)", "%1 (définitif)"),
    "Job %1 failed for a reason no retry can fix: start it over (restart) with another configuration, or remove it": (
        "Auftrag %1 ist aus einem Grund gescheitert, den keine Wiederholung behebt: starten Sie ihn mit einer anderen Konfiguration neu (restart) oder entfernen Sie ihn",
        "La tâche %1 a échoué pour une raison qu'aucune reprise ne corrige : recommencez-la (restart) avec une autre configuration, ou supprimez-la"),
    "<p style='font-size:18pt'><b>Drop to add plays</b></p><p>Play files, folders (searched recursively) or text: you choose what to enqueue and how.</p>": (
        "<p style='font-size:18pt'><b>Ablegen, um Stücke hinzuzufügen</b></p><p>Stückdateien, Ordner (rekursiv durchsucht) oder Text: Sie wählen, was wie eingereiht wird.</p>",
        "<p style='font-size:18pt'><b>Déposer pour ajouter des pièces</b></p><p>Fichiers de pièces, dossiers (parcourus récursivement) ou texte : vous choisissez quoi mettre en file, et comment.</p>"),
    "&Paste as Play": ("Als Stück ein&fügen", "&Coller comme pièce"),
    "Enqueue the text on the clipboard as a play, named after its first line (or the files on it)": (
        "Den Text der Zwischenablage als Stück einreihen, benannt nach seiner ersten Zeile (oder die Dateien darin)",
        "Mettre en file le texte du presse-papiers comme une pièce, nommée d'après sa première ligne (ou les fichiers qu'il contient)"),
    "The pasted text is empty: nothing to enqueue.": ("Der eingefügte Text ist leer: nichts einzureihen.", "Le texte collé est vide : rien à mettre en file."),
    "The clipboard holds no text or files to enqueue.": ("Die Zwischenablage enthält weder Text noch Dateien zum Einreihen.", "Le presse-papiers ne contient ni texte ni fichiers à mettre en file."),
    "Enqueuing %n play(s)…": (
        ("%n Stück wird eingereiht…", "%n Stücke werden eingereiht…"),
        ("Mise en file de %n pièce…", "Mise en file de %n pièces…")),
    "The queue database refused the plays: %1": ("Die Auftragsdatenbank hat die Stücke abgelehnt: %1", "La base de tâches a refusé les pièces : %1"),
    "%n play(s) enqueued.": (
        ("%n Stück eingereiht.", "%n Stücke eingereiht."),
        ("%n pièce mise en file.", "%n pièces mises en file.")),
    "a .%1 data file, not a play": ("eine .%1-Datendatei, kein Stück", "un fichier de données .%1, pas une pièce"),
    "a .%1 script or program, not a play": ("ein .%1-Skript oder -Programm, kein Stück", "un script ou programme .%1, pas une pièce"),
    "a .%1 file: plays are .txt or .md text": ("eine .%1-Datei: Stücke sind .txt- oder .md-Text", "un fichier .%1 : les pièces sont du texte .txt ou .md"),
    "pasted text": ("eingefügter Text", "texte collé"),
    "is the queue database itself (not read)": ("ist die Auftragsdatenbank selbst (nicht gelesen)", "est la base de tâches elle-même (non lue)"),
    "a .%1 file, not plain text (not read)": ("eine .%1-Datei, kein reiner Text (nicht gelesen)", "un fichier .%1, pas du texte brut (non lu)"),
    "is not text": ("ist kein Text", "n'est pas du texte"),
    "a %1 file, not a play": ("eine %1-Datei, kein Stück", "un fichier %1, pas une pièce"),
    "Latin-1/Windows-1252 text, not UTF-8: tick it to enqueue it converted to UTF-8 (the file is not changed)": (
        "Latin-1-/Windows-1252-Text, kein UTF-8: ankreuzen, um ihn nach UTF-8 umgewandelt einzureihen (die Datei bleibt unverändert)",
        "Texte Latin-1/Windows-1252, pas UTF-8 : cochez-le pour le mettre en file converti en UTF-8 (le fichier n'est pas modifié)"),
    # Playbook review (issue 14)
    "Needs review": ("Prüfen", "À vérifier"),
    "confidence %1 %": ("Konfidenz %1 %", "confiance %1 %"),
    "%n quality warning(s)": (("%n Qualitätswarnung", "%n Qualitätswarnungen"), ("%n avertissement de qualité", "%n avertissements de qualité")),
    "Needs review: %1. Open the Playbook tab to check and correct it.": (
        "Prüfen: %1. Im Reiter „Playbook“ kontrollieren und korrigieren.",
        "À vérifier : %1. Ouvrez l'onglet Playbook pour le contrôler et le corriger."),
    "Needs &Review Only": ("Nur zu &prüfende", "Seulement à &vérifier"),
    "Show only completed plays whose confidence is under %1 % or that have quality warnings": (
        "Nur abgeschlossene Stücke zeigen, deren Konfidenz unter %1 % liegt oder die Qualitätswarnungen haben",
        "N'afficher que les pièces terminées dont la confiance est inférieure à %1 % ou qui ont des avertissements de qualité"),
    "Parse Again with &LLM…": ("Erneut mit &LLM einlesen…", "Analyser à nouveau avec le &LLM…"),
    "Start the selected completed plays over with the LLM provider (openai): for plays the built-in parser read with low confidence": (
        "Die ausgewählten abgeschlossenen Stücke mit dem LLM-Anbieter (openai) neu beginnen: für Stücke, die der eingebaute Parser mit geringer Konfidenz gelesen hat",
        "Recommencer les pièces terminées sélectionnées avec le fournisseur LLM (openai) : pour les pièces que l'analyseur intégré a lues avec une faible confiance"),
    "Parse %1 again with the LLM provider (openai)? The new playbook replaces the shown one; the LLM's endpoint, model and key come from the environment.": (
        "%1 erneut mit dem LLM-Anbieter (openai) einlesen? Das neue Playbook ersetzt das angezeigte; Endpunkt, Modell und Schlüssel des LLM kommen aus der Umgebung.",
        "Analyser à nouveau %1 avec le fournisseur LLM (openai) ? Le nouveau playbook remplace celui affiché ; le point d'accès, le modèle et la clé du LLM viennent de l'environnement."),
    "Speaker": ("Sprecher", "Personnage"),
    "Text": ("Text", "Texte"),
    "Lines": ("Zeilen", "Lignes"),
    "(direction)": ("(Regieanweisung)", "(didascalie)"),
    "Low confidence: many of this scene's speeches have unusual labels": (
        "Geringe Konfidenz: viele Repliken dieser Szene haben ungewöhnliche Sprecherangaben",
        "Faible confiance : beaucoup de répliques de cette scène ont des noms inhabituels"),
    "Speaker not in the cast: \"%1\"": ("Sprecher nicht im Personenverzeichnis: „%1“", "Personnage absent de la distribution : « %1 »"),
    "Cast member with no speeches: %1": ("Person ohne Repliken: %1", "Personnage sans réplique : %1"),
    "Speaker not in the cast: %1": ("Sprecher nicht im Personenverzeichnis: %1", "Personnage absent de la distribution : %1"),
    "Names differing only in case: %1 / %2": ("Namen, die sich nur in der Schreibweise unterscheiden: %1 / %2", "Noms qui ne diffèrent que par la casse : %1 / %2"),
    "Abbreviated name: %1 (for %2?)": ("Abgekürzter Name: %1 (für %2?)", "Nom abrégé : %1 (pour %2 ?)"),
    "Spelling variants, merge? %1 / %2": ("Schreibvarianten, zusammenführen? %1 / %2", "Variantes d'orthographe, fusionner ? %1 / %2"),
    "Low-confidence scene: %1": ("Szene mit geringer Konfidenz: %1", "Scène de faible confiance : %1"),
    "(untitled)": ("(ohne Titel)", "(sans titre)"),
    "Speeches without a speaker: %1": ("Repliken ohne Sprecher: %1", "Répliques sans personnage : %1"),
    "Rename…": ("Umbenennen…", "Renommer…"),
    "Rename a character; the old name stays an alias": ("Eine Person umbenennen; der alte Name bleibt als Alias", "Renommer un personnage ; l'ancien nom reste un alias"),
    "Merge…": ("Zusammenführen…", "Fusionner…"),
    "Merge one character into another": ("Eine Person mit einer anderen zusammenführen", "Fusionner un personnage dans un autre"),
    "Split…": ("Aufteilen…", "Séparer…"),
    "Give some of a character's names (a group's members, a second role) an entry of their own": (
        "Einigen Namen einer Person (Mitglieder einer Gruppe, eine zweite Rolle) einen eigenen Eintrag geben",
        "Donner à certains noms d'un personnage (membres d'un groupe, un second rôle) une entrée à part"),
    "Move Speech…": ("Replik verschieben…", "Déplacer la réplique…"),
    "Give the selected speech to another character": ("Die ausgewählte Replik einer anderen Person geben", "Attribuer la réplique sélectionnée à un autre personnage"),
    "Confidence %1 %": ("Konfidenz %1 %", "Confiance %1 %"),
    "Confidence unknown": ("Konfidenz unbekannt", "Confiance inconnue"),
    " · revision %1 (corrected)": (" · Revision %1 (korrigiert)", " · révision %1 (corrigée)"),
    " · parser's original": (" · Original des Parsers", " · original de l'analyseur"),
    " · needs review": (" · prüfen", " · à vérifier"),
    "Rename Character": ("Person umbenennen", "Renommer le personnage"),
    "Character:": ("Person:", "Personnage :"),
    "New name for %1:": ("Neuer Name für %1:", "Nouveau nom pour %1 :"),
    "Merge Characters": ("Personen zusammenführen", "Fusionner des personnages"),
    "Merge this character:": ("Diese Person:", "Fusionner ce personnage :"),
    "into:": ("zusammenführen mit:", "dans :"),
    "Split Character": ("Person aufteilen", "Séparer le personnage"),
    "The name that belongs to someone else:": ("Der Name, der zu jemand anderem gehört:", "Le nom qui appartient à quelqu'un d'autre :"),
    "Name of the new character:": ("Name der neuen Person:", "Nom du nouveau personnage :"),
    "Move Speech": ("Replik verschieben", "Déplacer la réplique"),
    "Give this speech to:": ("Diese Replik geben an:", "Attribuer cette réplique à :"),
    "The correction was not stored: %1": ("Die Korrektur wurde nicht gespeichert: %1", "La correction n'a pas été enregistrée : %1"),
    "Correction stored as a new revision of the playbook.": ("Korrektur als neue Revision des Playbooks gespeichert.", "Correction enregistrée comme nouvelle révision du playbook."),
    "There is no character \"%1\".": ("Es gibt keine Person „%1“.", "Il n'y a pas de personnage « %1 »."),
    "A character needs a name.": ("Eine Person braucht einen Namen.", "Un personnage a besoin d'un nom."),
    "\"%1\" is another character already: merge the two instead.": ("„%1“ ist schon eine andere Person: führen Sie die beiden stattdessen zusammen.", "« %1 » est déjà un autre personnage : fusionnez plutôt les deux."),
    "A character cannot be merged into itself.": ("Eine Person kann nicht mit sich selbst zusammengeführt werden.", "Un personnage ne peut pas être fusionné avec lui-même."),
    "\"%1\" is another character already.": ("„%1“ ist schon eine andere Person.", "« %1 » est déjà un autre personnage."),
    "Choose the names that belong to the new character.": ("Wählen Sie die Namen, die zur neuen Person gehören.", "Choisissez les noms qui appartiennent au nouveau personnage."),
    "\"%1\" is not a name of \"%2\".": ("„%1“ ist kein Name von „%2“.", "« %1 » n'est pas un nom de « %2 »."),
    "That speech does not exist.": ("Diese Replik gibt es nicht.", "Cette réplique n'existe pas."),
    "Unknown correction \"%1\".": ("Unbekannte Korrektur „%1“.", "Correction inconnue « %1 »."),
}
# The same source in another context where the words differ.
CONTEXT = {
    ("JobStatus", "Completed"): ("Abgeschlossen", "Terminée"),
    ("JobEvent", "Paused"): ("Pausiert", "Mise en pause"),
    ("JobEvent", "Cancelled"): ("Abgebrochen", "Annulée"),
    ("JobEvent", "Failed"): ("Fehlgeschlagen", "Échec"),
    ("JobEvent", "Completed"): ("Abgeschlossen", "Terminée"),
}


def finished(message) -> bool:
    """True when the .ts already holds a finished translation of this message."""
    translation = message.find("translation")
    if translation is None or translation.get("type") in ("unfinished", "vanished", "obsolete"):
        return False
    if message.get("numerus") == "yes":
        forms = translation.findall("numerusform")
        return bool(forms) and all((form.text or "").strip() for form in forms)
    return bool((translation.text or "").strip())


def fill(path: Path, column: int) -> list:
    tree = ET.parse(path)
    missing = []
    for context in tree.getroot().findall("context"):
        name = context.find("name").text
        for message in context.findall("message"):
            source = message.find("source").text
            entry = CONTEXT.get((name, source), T.get(source))
            translation = message.find("translation")
            if entry is None:
                # Translated in Linguist rather than here: kept as it is.
                if not finished(message):
                    missing.append(f"{name}: {source!r}")
                continue
            value = entry[column]
            for child in list(translation):
                translation.remove(child)
            translation.text = None
            translation.attrib.pop("type", None)
            if message.get("numerus") == "yes":
                forms = value if isinstance(value, tuple) else (value, value)
                for form in forms:
                    ET.SubElement(translation, "numerusform").text = form
            else:
                translation.text = value[0] if isinstance(value, tuple) else value
    tree.write(path, encoding="utf-8", xml_declaration=True)
    # lupdate/lrelease expect the DOCTYPE line.
    text = path.read_text(encoding="utf-8")
    if "<!DOCTYPE TS>" not in text:
        text = text.replace("?>\n", "?>\n<!DOCTYPE TS>\n", 1)
    path.write_text(text, encoding="utf-8")
    return missing


root = Path(__file__).resolve().parent.parent / "translations"
missing = fill(root / "callboard_de.ts", 0) + fill(root / "callboard_fr.ts", 1)
if missing:
    print("untranslated:\n  " + "\n  ".join(sorted(set(missing))))
    sys.exit(1)
