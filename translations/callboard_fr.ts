<?xml version='1.0' encoding='utf-8'?>
<!DOCTYPE TS>
<TS version="2.1" language="fr">
<context>
    <name>ActivityDock</name>
    <message>
        <source>Activity</source>
        <translation>Activité</translation>
    </message>
    <message>
        <source>All events</source>
        <translation>Tous les événements</translation>
    </message>
    <message>
        <source>Job or file…</source>
        <translation>Tâche ou fichier…</translation>
    </message>
    <message>
        <source>Worker…</source>
        <translation>Filtrer par worker…</translation>
    </message>
</context>
<context>
    <name>ActivityModel</name>
    <message>
        <source>Time</source>
        <translation>Heure</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Événement</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>Tâche</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
</context>
<context>
    <name>AddPlaysDialog</name>
    <message>
        <source>Add Plays</source>
        <translation>Ajouter des pièces</translation>
    </message>
    <message>
        <source>Reading the files…</source>
        <translation>Lecture des fichiers…</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>Pièce</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>Remarque</translation>
    </message>
    <message>
        <source>Higher runs first</source>
        <translation>Les plus élevées d'abord</translation>
    </message>
    <message>
        <source> lines</source>
        <translation> lignes</translation>
    </message>
    <message>
        <source>Lines per chunk: a checkpoint is kept after each</source>
        <translation>Lignes par segment : un point de reprise est gardé après chacun</translation>
    </message>
    <message>
        <source>Built-in parser (heuristic)</source>
        <translation>Analyseur intégré (heuristique)</translation>
    </message>
    <message>
        <source>Language model (%1)</source>
        <translation>Modèle de langage (%1)</translation>
    </message>
    <message>
        <source>Retries before a job fails</source>
        <translation>Reprises avant l'échec d'une tâche</translation>
    </message>
    <message>
        <source>&amp;Priority:</source>
        <translation>&amp;Priorité :</translation>
    </message>
    <message>
        <source>&amp;Chunk size:</source>
        <translation>Taille des &amp;segments :</translation>
    </message>
    <message>
        <source>Pa&amp;rser:</source>
        <translation>Ana&amp;lyseur :</translation>
    </message>
    <message>
        <source>Max &amp;retries:</source>
        <translation>&amp;Reprises max. :</translation>
    </message>
    <message>
        <source>&amp;Enqueue</source>
        <translation>&amp;Mettre en file</translation>
    </message>
    <message>
        <source>(pasted text)</source>
        <translation>(texte collé)</translation>
    </message>
    <message>
        <source>the same text as %1 above</source>
        <translation>le même texte que %1 plus haut</translation>
    </message>
    <message>
        <source>(Could not check for plays already in the queue: %1)</source>
        <translation>(Impossible de vérifier les pièces déjà en file : %1)</translation>
    </message>
    <message>
        <source>already in the queue: %1 (%2, same file)</source>
        <translation>déjà dans la file : %1 (%2, même fichier)</translation>
    </message>
    <message>
        <source>already in the queue from this file, with other text: %1 (%2)</source>
        <translation>déjà dans la file depuis ce fichier, avec un autre texte : %1 (%2)</translation>
    </message>
    <message>
        <source>already in the queue: %1 (%2, same text)</source>
        <translation>déjà dans la file : %1 (%2, même texte)</translation>
    </message>
    <message numerus="yes">
        <source>%n of %1 file(s) will be enqueued.</source>
        <translation><numerusform>%n fichier sur %1 sera mis en file.</numerusform><numerusform>%n fichiers sur %1 seront mis en file.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n play(s) are already in the queue: tick them to add them again.</source>
        <translation><numerusform>%n pièce est déjà dans la file : cochez-la pour l'ajouter à nouveau.</numerusform><numerusform>%n pièces sont déjà dans la file : cochez-les pour les ajouter à nouveau.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>&amp;Enqueue %n Play(s)</source>
        <translation><numerusform>&amp;Mettre %n pièce en file</numerusform><numerusform>&amp;Mettre %n pièces en file</numerusform></translation>
    </message>
</context>
<context>
    <name>ConnectionDialog</name>
    <message>
        <source>Connect to a Queue Database</source>
        <translation>Se connecter à une base de tâches</translation>
    </message>
    <message>
        <source>(choose a recent connection)</source>
        <translation>(choisir une connexion récente)</translation>
    </message>
    <message>
        <source>Embedded SQLite file (this computer only)</source>
        <translation>Fichier SQLite intégré (cet ordinateur seulement)</translation>
    </message>
    <message>
        <source>PostgreSQL server (shared by many computers)</source>
        <translation>Serveur PostgreSQL (partagé par plusieurs ordinateurs)</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Parcourir…</translation>
    </message>
    <message>
        <source>Database file:</source>
        <translation>Fichier de base :</translation>
    </message>
    <message>
        <source>The file is created if it does not exist. Only this computer's workers can share it.</source>
        <translation>Le fichier est créé s'il n'existe pas. Seuls les workers de cet ordinateur peuvent le partager.</translation>
    </message>
    <message>
        <source>Remember the password in the system keychain</source>
        <translation>Mémoriser le mot de passe dans le trousseau du système</translation>
    </message>
    <message>
        <source>Port:</source>
        <translation>Port :</translation>
    </message>
    <message>
        <source>Host:</source>
        <translation>Hôte :</translation>
    </message>
    <message>
        <source>Database:</source>
        <translation>Base de données :</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>Utilisateur :</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>Mot de passe :</translation>
    </message>
    <message>
        <source>SSL mode:</source>
        <translation>Mode SSL :</translation>
    </message>
    <message>
        <source>&amp;Test Connection</source>
        <translation>&amp;Tester la connexion</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>Se &amp;connecter</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Queue database</source>
        <translation>Base de tâches</translation>
    </message>
    <message>
        <source>Recent:</source>
        <translation>Récentes :</translation>
    </message>
    <message>
        <source>Queue Database File</source>
        <translation>Fichier de la base de tâches</translation>
    </message>
    <message>
        <source>SQLite databases (*.db *.sqlite);;All files (*)</source>
        <translation>Bases SQLite (*.db *.sqlite);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Looking for the password in the system keychain…</source>
        <translation>Recherche du mot de passe dans le trousseau…</translation>
    </message>
    <message>
        <source>Password taken from the keychain.</source>
        <translation>Mot de passe repris du trousseau.</translation>
    </message>
    <message>
        <source>No keychain is available: please enter the password.</source>
        <translation>Aucun trousseau disponible : veuillez saisir le mot de passe.</translation>
    </message>
    <message>
        <source>Choose a database file.</source>
        <translation>Choisissez un fichier de base.</translation>
    </message>
    <message>
        <source>Enter the server's host name.</source>
        <translation>Saisissez le nom d'hôte du serveur.</translation>
    </message>
    <message>
        <source>The port must be a number from 1 to 65535.</source>
        <translation>Le port doit être un nombre de 1 à 65535.</translation>
    </message>
    <message>
        <source>Enter the database name.</source>
        <translation>Saisissez le nom de la base de données.</translation>
    </message>
    <message>
        <source>Connected to %1. The queue tables will be created.</source>
        <translation>Connecté à %1. Les tables de la file seront créées.</translation>
    </message>
    <message>
        <source>Connected to %1 (schema version %2).</source>
        <translation>Connecté à %1 (version du schéma %2).</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Connexion à %1…</translation>
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
        <translation>Le fichier de la file %1 est endommagé (%2). Callboard n’y travaillera pas ; une copie a été conservée sous %3. Restaurez une sauvegarde ou choisissez un autre fichier dans Fichier → Se connecter à une base.</translation>
    </message>
    <message>
        <source>The queue file %1 is damaged (%2). Callboard will not work on it (no copy could be kept beside it). Restore a backup or choose another file in File → Connect to Database.</source>
        <translation>Le fichier de la file %1 est endommagé (%2). Callboard n’y travaillera pas (aucune copie n’a pu être conservée à côté). Restaurez une sauvegarde ou choisissez un autre fichier dans Fichier → Se connecter à une base.</translation>
    </message>
    <message>
        <source>Another program deleted the write-ahead log of %1 while Callboard was still using it: changes made since may be lost. Callboard reconnects to the file.</source>
        <translation>Un autre programme a supprimé le journal d’écriture anticipée de %1 alors que Callboard l’utilisait encore : les changements faits depuis peuvent être perdus. Callboard se reconnecte au fichier.</translation>
    </message>
    <message>
        <source>The queue file %1 was deleted or replaced while Callboard had it open.</source>
        <translation>Le fichier de la file %1 a été supprimé ou remplacé pendant que Callboard l’avait ouvert.</translation>
    </message>
    <message>
        <source>The chunk size must be a whole number from 1 to 1000000</source>
        <translation>La taille des segments doit être un nombre entier de 1 à 1000000</translation>
    </message>
    <message>
        <source>Unknown provider '%1' (use %2)</source>
        <translation>Fournisseur « %1 » inconnu (utilisez %2)</translation>
    </message>
    <message>
        <source>A restart cannot change '%1' (only chunkSize and provider)</source>
        <translation>Un redémarrage ne peut pas modifier « %1 » (seulement chunkSize et provider)</translation>
    </message>
    <message>
        <source>Job %1 is running (worker %2): pause or cancel it first, then restart it</source>
        <translation>La tâche %1 est en cours (worker %2) : mettez-la en pause ou annulez-la d'abord, puis recommencez-la</translation>
    </message>
    <message>
        <source>SQLite database %1: %2</source>
        <translation>Base SQLite %1 : %2</translation>
    </message>
    <message>
        <source>PostgreSQL at %1 refused the login of user '%2': wrong or missing password</source>
        <translation>PostgreSQL sur %1 a refusé la connexion de l'utilisateur « %2 » : mot de passe erroné ou absent</translation>
    </message>
    <message>
        <source>Cannot reach PostgreSQL at %1: %2</source>
        <translation>PostgreSQL sur %1 est injoignable : %2</translation>
    </message>
    <message>
        <source>PostgreSQL at %1: %2</source>
        <translation>PostgreSQL sur %1 : %2</translation>
    </message>
    <message>
        <source>The Qt PostgreSQL driver (QPSQL) is not installed (Debian package libqt6sql6-psql)</source>
        <translation>Le pilote PostgreSQL de Qt (QPSQL) n'est pas installé (paquet Debian libqt6sql6-psql)</translation>
    </message>
    <message>
        <source>The Qt SQLite driver (QSQLITE) is not installed</source>
        <translation>Le pilote SQLite de Qt (QSQLITE) n'est pas installé</translation>
    </message>
    <message>
        <source>Cannot create the folder %1</source>
        <translation>Impossible de créer le dossier %1</translation>
    </message>
    <message>
        <source>Database URL '%1' names no SQLite file</source>
        <translation>L'URL de base « %1 » ne désigne aucun fichier SQLite</translation>
    </message>
    <message>
        <source>Database URL is not a valid postgres:// URL (expected postgres://user:password@host:port/database)</source>
        <translation>L'URL de base n'est pas une URL postgres:// valide (attendu : postgres://user:password@host:port/database)</translation>
    </message>
    <message>
        <source>Database URL has an invalid port</source>
        <translation>L'URL de base a un port invalide</translation>
    </message>
    <message>
        <source>Database URL names no database (expected postgres://user@host:port/database)</source>
        <translation>L'URL de base ne nomme aucune base (attendu : postgres://user@host:port/database)</translation>
    </message>
    <message>
        <source>Unknown sslmode '%1' (use one of %2)</source>
        <translation>sslmode « %1 » inconnu (valeurs possibles : %2)</translation>
    </message>
    <message>
        <source>Unsupported database URL '%1': use sqlite:PATH or postgres://…</source>
        <translation>URL de base « %1 » non prise en charge : utilisez sqlite:CHEMIN ou postgres://…</translation>
    </message>
    <message>
        <source>Job %1 cannot go from %2 to %3</source>
        <translation>La tâche %1 ne peut pas passer de %2 à %3</translation>
    </message>
    <message>
        <source>No job with id %1</source>
        <translation>Aucune tâche avec l'identifiant %1</translation>
    </message>
    <message>
        <source>A job needs a filename</source>
        <translation>Une tâche a besoin d'un nom de fichier</translation>
    </message>
    <message>
        <source>Priority %1 is out of range (%2 to %3)</source>
        <translation>La priorité %1 est hors limites (%2 à %3)</translation>
    </message>
    <message>
        <source>Job %1 is already %2</source>
        <translation>La tâche %1 est déjà %2</translation>
    </message>
    <message>
        <source>Job %1 is %2: only %3 jobs can be resumed</source>
        <translation>La tâche %1 est %2 : seules les tâches %3 peuvent reprendre</translation>
    </message>
    <message>
        <source>Job %1 is %2: only %3 jobs can be retried</source>
        <translation>La tâche %1 est %2 : seules les tâches %3 peuvent être relancées</translation>
    </message>
    <message>
        <source>Job %1 is completed: its priority no longer matters</source>
        <translation>La tâche %1 est terminée : sa priorité n'a plus d'importance</translation>
    </message>
    <message>
        <source>The table "%1" in database %2 is not Callboard's (it has no column "%3"): Callboard leaves it as it is; use another database</source>
        <translation>La table « %1 » de la base %2 n'appartient pas à Callboard (elle n'a pas de colonne « %3 ») : Callboard la laisse telle quelle ; utilisez une autre base</translation>
    </message>
    <message>
        <source>The database schema is version %1, newer than this Callboard understands (%2): upgrade Callboard</source>
        <translation>Le schéma de la base est en version %1, plus récente que ce que ce Callboard comprend (%2) : mettez Callboard à jour</translation>
    </message>
    <message>
        <source>The database schema is at version %1 and needs migrating to %2, but user '%3' may not change the schema (%4): run `callboard migrate` once as the owner of the tables, with the CREATE right on the schema</source>
        <translation>Le schéma de la base est en version %1 et doit passer en %2, mais l'utilisateur « %3 » ne peut pas modifier le schéma (%4) : lancez une fois `callboard migrate` en tant que propriétaire des tables, avec le droit CREATE sur le schéma</translation>
    </message>
    <message>
        <source>The database schema is at version %1 and needs migrating to %2, but the SQLite file %3 is read-only (%4): run `callboard migrate` once with write access to the file and its folder</source>
        <translation>Le schéma de la base est en version %1 et doit passer en %2, mais le fichier SQLite %3 est en lecture seule (%4) : lancez une fois `callboard migrate` avec le droit d'écrire le fichier et son dossier</translation>
    </message>
    <message>
        <source>Migration %1 (%2) failed: %3</source>
        <translation>La migration %1 (%2) a échoué : %3</translation>
    </message>
    <message>
        <source>Cannot LISTEN on %1</source>
        <translation>Impossible d'écouter (LISTEN) sur %1</translation>
    </message>
    <message>
        <source>Job %1 is %2: only completed, failed or cancelled jobs can be removed (cancel it first)</source>
        <translation>La tâche %1 est %2 : seules les tâches terminées, en échec ou annulées peuvent être retirées (annulez-la d'abord)</translation>
    </message>
    <message>
        <source>There is no character "%1".</source>
        <translation>Il n'y a pas de personnage « %1 ».</translation>
    </message>
    <message>
        <source>A character needs a name.</source>
        <translation>Un personnage a besoin d'un nom.</translation>
    </message>
    <message>
        <source>"%1" is another character already: merge the two instead.</source>
        <translation>« %1 » est déjà un autre personnage : fusionnez plutôt les deux.</translation>
    </message>
    <message>
        <source>A character cannot be merged into itself.</source>
        <translation>Un personnage ne peut pas être fusionné avec lui-même.</translation>
    </message>
    <message>
        <source>"%1" is another character already.</source>
        <translation>« %1 » est déjà un autre personnage.</translation>
    </message>
    <message>
        <source>Choose the names that belong to the new character.</source>
        <translation>Choisissez les noms qui appartiennent au nouveau personnage.</translation>
    </message>
    <message>
        <source>"%1" is not a name of "%2".</source>
        <translation>« %1 » n'est pas un nom de « %2 ».</translation>
    </message>
    <message>
        <source>That speech does not exist.</source>
        <translation>Cette réplique n'existe pas.</translation>
    </message>
    <message>
        <source>Unknown correction "%1".</source>
        <translation>Correction inconnue « %1 ».</translation>
    </message>
    <message>
        <source>Job %1 failed for a reason no retry can fix: start it over (restart) with another configuration, or remove it</source>
        <translation>La tâche %1 a échoué pour une raison qu'aucune reprise ne corrige : recommencez-la (restart) avec une autre configuration, ou supprimez-la</translation>
    </message>
    <message>
        <source>The database did not answer and the connections were cut</source>
        <translation>La base n'a pas répondu et les connexions ont été coupées</translation>
    </message>
    <message>
        <source>(no filename)</source>
        <translation>(sans nom de fichier)</translation>
    </message>
    <message>
        <source>%1 is empty: there is no play text to parse</source>
        <translation>%1 est vide : il n'y a aucun texte de pièce à analyser</translation>
    </message>
    <message>
        <source>%1 is %2 MB, over the limit of %3 MB</source>
        <translation>%1 fait %2 Mo, au-delà de la limite de %3 Mo</translation>
    </message>
    <message>
        <source>%1 is not a text file (it contains NUL bytes)</source>
        <translation>%1 n'est pas un fichier texte (il contient des octets NUL)</translation>
    </message>
    <message>
        <source>%1 is not valid UTF-8 text</source>
        <translation>%1 n'est pas du texte UTF-8 valide</translation>
    </message>
    <message>
        <source>maxRetries %1 is out of range (0 to %2)</source>
        <translation>maxRetries %1 est hors limites (0 à %2)</translation>
    </message>
    <message>
        <source>chunkSize must be a positive number</source>
        <translation>chunkSize doit être un nombre positif</translation>
    </message>
    <message>
        <source>not a Callboard database (it holds %1): Callboard leaves it as it is; choose another file</source>
        <translation>ce n'est pas une base Callboard (elle contient %1) : Callboard la laisse telle quelle ; choisissez un autre fichier</translation>
    </message>
    <message>
        <source>running, but the lock of worker %1 expired at %2</source>
        <translation>en cours, mais le verrou du worker %1 a expiré à %2</translation>
    </message>
    <message>
        <source>retried %1 times</source>
        <translation>relancée %1 fois</translation>
    </message>
    <message>
        <source>retried %1 times; last error: %2</source>
        <translation>relancée %1 fois ; dernière erreur : %2</translation>
    </message>
    <message>
        <source>paused since %1</source>
        <translation>en pause depuis %1</translation>
    </message>
</context>
<context>
    <name>FileEnqueuer</name>
    <message>
        <source>does not exist</source>
        <translation>n'existe pas</translation>
    </message>
    <message>
        <source>is not a regular file</source>
        <translation>n'est pas un fichier ordinaire</translation>
    </message>
    <message>
        <source>is empty</source>
        <translation>est vide</translation>
    </message>
    <message>
        <source>is too large (%1 MB, the limit is %2 MB)</source>
        <translation>est trop volumineux (%1 Mo, la limite est %2 Mo)</translation>
    </message>
    <message>
        <source>cannot be read (%1)</source>
        <translation>ne peut pas être lu (%1)</translation>
    </message>
    <message>
        <source>is too large</source>
        <translation>est trop volumineux</translation>
    </message>
    <message>
        <source>is a binary file, not text</source>
        <translation>est un fichier binaire, pas du texte</translation>
    </message>
    <message>
        <source>is not UTF-8 text</source>
        <translation>n'est pas du texte UTF-8</translation>
    </message>
    <message>
        <source>is the queue database itself</source>
        <translation>est la base de la file elle-même</translation>
    </message>
</context>
<context>
    <name>GuiApp</name>
    <message>
        <source>Not Connected</source>
        <translation>Non connecté</translation>
    </message>
    <message>
        <source>Connecting to %1…</source>
        <translation>Connexion à %1…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
    <message>
        <source>Connecting was cancelled.</source>
        <translation>La connexion a été annulée.</translation>
    </message>
    <message>
        <source>Reopened the queue database: %1</source>
        <translation>Base de la file rouverte : %1</translation>
    </message>
</context>
<context>
    <name>JobActions</name>
    <message>
        <source>reprioritised</source>
        <translation>repriorisées</translation>
    </message>
    <message>
        <source>&amp;Add Files…</source>
        <translation>&amp;Ajouter des fichiers…</translation>
    </message>
    <message>
        <source>Enqueue play files or folders</source>
        <translation>Mettre en file des fichiers de pièces ou des dossiers</translation>
    </message>
    <message>
        <source>&amp;Pause</source>
        <translation>Mettre en &amp;pause</translation>
    </message>
    <message>
        <source>Pause the selected jobs (a running job stops at its next chunk)</source>
        <translation>Mettre en pause les tâches sélectionnées (une tâche en cours s'arrête au prochain segment)</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Reprendre</translation>
    </message>
    <message>
        <source>Put the selected paused jobs back in the queue</source>
        <translation>Remettre en file les tâches en pause sélectionnées</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>A&amp;nnuler</translation>
    </message>
    <message>
        <source>Cancel the selected jobs</source>
        <translation>Annuler les tâches sélectionnées</translation>
    </message>
    <message>
        <source>Re&amp;try</source>
        <translation>Réess&amp;ayer</translation>
    </message>
    <message>
        <source>Priority &amp;Up</source>
        <translation>Priorité &amp;plus haute</translation>
    </message>
    <message>
        <source>Raise the priority of the selected jobs by one</source>
        <translation>Augmenter d'un la priorité des tâches sélectionnées</translation>
    </message>
    <message>
        <source>Priority &amp;Down</source>
        <translation>Priorité plus &amp;basse</translation>
    </message>
    <message>
        <source>Lower the priority of the selected jobs by one</source>
        <translation>Diminuer d'un la priorité des tâches sélectionnées</translation>
    </message>
    <message>
        <source>Set Pr&amp;iority…</source>
        <translation>Définir la pr&amp;iorité…</translation>
    </message>
    <message>
        <source>Set the priority of the selected jobs</source>
        <translation>Définir la priorité des tâches sélectionnées</translation>
    </message>
    <message>
        <source>Set Priority</source>
        <translation>Définir la priorité</translation>
    </message>
    <message>
        <source>Priority (higher runs first):</source>
        <translation>Priorité (la plus haute passe en premier) :</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>mises en pause</translation>
    </message>
    <message>
        <source>resumed</source>
        <translation>reprises</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>annulées</translation>
    </message>
    <message>
        <source>queued again</source>
        <translation>remises en file</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1 : %2</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) refused: %1</source>
        <translation><numerusform>%n tâche refusée : %1</numerusform><numerusform>%n tâches refusées : %1</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) %1.</source>
        <translation><numerusform>Tâches %1 : %n.</numerusform><numerusform>Tâches %1 : %n.</numerusform></translation>
    </message>
    <message>
        <source>Nothing was %1: the selected jobs are in states that do not allow it.</source>
        <translation>Aucune tâche n'a été traitée (%1) : l'état des tâches sélectionnées ne le permet pas.</translation>
    </message>
    <message numerus="yes">
        <source>Priority changed for %n job(s).</source>
        <translation><numerusform>Priorité modifiée pour %n tâche.</numerusform><numerusform>Priorité modifiée pour %n tâches.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>… and %n more</source>
        <translation>
            <numerusform>… et %n autre</numerusform>
            <numerusform>… et %n autres</numerusform>
        </translation>
    </message>
    <message>
        <source>Cancel %1? A running job stops at its next chunk.</source>
        <translation>Annuler %1 ? Une tâche en cours s’arrête au prochain segment.</translation>
    </message>
    <message numerus="yes">
        <source>Cancel these %n jobs? A running job stops at its next chunk.</source>
        <translation>
            <numerusform>Annuler cette tâche ? Une tâche en cours s’arrête au prochain segment.</numerusform>
            <numerusform>Annuler ces %n tâches ? Une tâche en cours s’arrête au prochain segment.</numerusform>
        </translation>
    </message>
    <message>
        <source>Start &amp;Over…</source>
        <translation>&amp;Recommencer…</translation>
    </message>
    <message>
        <source>Parse the selected jobs again from the beginning: their checkpoints and progress are cleared</source>
        <translation>Analyser de nouveau les tâches sélectionnées depuis le début : leurs points de reprise et leur progression sont effacés</translation>
    </message>
    <message>
        <source>Callboard</source>
        <translation>Callboard</translation>
    </message>
    <message>
        <source>Start %1 over from the beginning? Its checkpoint and progress are cleared; a completed job gets a new playbook.</source>
        <translation>Recommencer %1 depuis le début ? Son point de reprise et sa progression sont effacés ; une tâche terminée reçoit un nouveau playbook.</translation>
    </message>
    <message numerus="yes">
        <source>Start these %n jobs over from the beginning? Their checkpoints and progress are cleared; completed jobs get new playbooks.</source>
        <translation><numerusform>Recommencer cette tâche depuis le début ? Son point de reprise et sa progression sont effacés ; une tâche terminée reçoit un nouveau playbook.</numerusform><numerusform>Recommencer ces %n tâches depuis le début ? Leurs points de reprise et leur progression sont effacés ; les tâches terminées reçoivent de nouveaux playbooks.</numerusform></translation>
    </message>
    <message>
        <source>started over</source>
        <translation>recommencé</translation>
    </message>
    <message>
        <source>Queue the selected failed or cancelled jobs again (not those whose failure no retry can fix)</source>
        <translation>Remettre en file les tâches en échec ou annulées sélectionnées (pas celles dont l'échec ne se corrige pas par une reprise)</translation>
    </message>
    <message>
        <source>Re&amp;move…</source>
        <translation>Re&amp;tirer…</translation>
    </message>
    <message>
        <source>Delete the selected finished jobs and their events (their playbooks on request)</source>
        <translation>Supprimer les tâches terminées sélectionnées et leurs événements (leurs playbooks sur demande)</translation>
    </message>
    <message>
        <source>Remove Jobs</source>
        <translation>Retirer des tâches</translation>
    </message>
    <message numerus="yes">
        <source>Remove %n finished job(s) and their events? This cannot be undone.</source>
        <translation><numerusform>Retirer %n tâche terminée et ses événements ? Cette action est irréversible.</numerusform><numerusform>Retirer %n tâches terminées et leurs événements ? Cette action est irréversible.</numerusform></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
    <message numerus="yes">
        <source>Also delete their %n playbook(s)</source>
        <translation><numerusform>Supprimer aussi son playbook</numerusform><numerusform>Supprimer aussi leurs %n playbooks</numerusform></translation>
    </message>
    <message>
        <source>Nothing was removed: only completed, failed or cancelled jobs can be removed.</source>
        <translation>Rien n'a été retiré : seules les tâches terminées, en échec ou annulées peuvent l'être.</translation>
    </message>
    <message>
        <source>removed with their playbooks</source>
        <translation>retirée(s) avec leurs playbooks</translation>
    </message>
    <message>
        <source>removed</source>
        <translation>retirée(s)</translation>
    </message>
    <message>
        <source>Parse Again with &amp;LLM…</source>
        <translation>Analyser à nouveau avec le &amp;LLM…</translation>
    </message>
    <message>
        <source>Start the selected completed plays over with the LLM provider (openai): for plays the built-in parser read with low confidence</source>
        <translation>Recommencer les pièces terminées sélectionnées avec le fournisseur LLM (openai) : pour les pièces que l'analyseur intégré a lues avec une faible confiance</translation>
    </message>
    <message>
        <source>Parse %1 again with the LLM provider (openai)? The new playbook replaces the shown one; the LLM's endpoint, model and key come from the environment.</source>
        <translation>Analyser à nouveau %1 avec le fournisseur LLM (openai) ? Le nouveau playbook remplace celui affiché ; le point d'accès, le modèle et la clé du LLM viennent de l'environnement.</translation>
    </message>
</context>
<context>
    <name>JobDetailPane</name>
    <message>
        <source>Select a job to see its details.</source>
        <translation>Sélectionnez une tâche pour voir ses détails.</translation>
    </message>
    <message>
        <source>Job:</source>
        <translation>Tâche :</translation>
    </message>
    <message>
        <source>File:</source>
        <translation>Fichier :</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>État :</translation>
    </message>
    <message>
        <source>Priority:</source>
        <translation>Priorité :</translation>
    </message>
    <message>
        <source>Progress:</source>
        <translation>Progression :</translation>
    </message>
    <message>
        <source>Retries:</source>
        <translation>Reprises :</translation>
    </message>
    <message>
        <source>Worker:</source>
        <translation>Worker :</translation>
    </message>
    <message>
        <source>Created:</source>
        <translation>Créée :</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>Démarrée :</translation>
    </message>
    <message>
        <source>Finished:</source>
        <translation>Terminée :</translation>
    </message>
    <message>
        <source>Updated:</source>
        <translation>Mise à jour :</translation>
    </message>
    <message>
        <source>Duration:</source>
        <translation>Durée :</translation>
    </message>
    <message>
        <source>Error:</source>
        <translation>Erreur :</translation>
    </message>
    <message>
        <source>The playbook appears here when the job has completed.</source>
        <translation>Le playbook apparaît ici quand la tâche est terminée.</translation>
    </message>
    <message>
        <source>Export JSON…</source>
        <translation>Exporter en JSON…</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>Historique</translation>
    </message>
    <message>
        <source>Playbook</source>
        <translation>Playbook</translation>
    </message>
    <message>
        <source>Export Playbook</source>
        <translation>Exporter le playbook</translation>
    </message>
    <message>
        <source>JSON files (*.json)</source>
        <translation>Fichiers JSON (*.json)</translation>
    </message>
    <message>
        <source> (%1 requested)</source>
        <translation> (%1 demandée)</translation>
    </message>
    <message>
        <source>pause</source>
        <translation>pause</translation>
    </message>
    <message>
        <source>cancel</source>
        <translation>annulation</translation>
    </message>
    <message>
        <source> (%1 of %2 chunks)</source>
        <translation> (%1 segments sur %2)</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 sur %2</translation>
    </message>
    <message>
        <source>—</source>
        <translation>—</translation>
    </message>
    <message>
        <source>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2 characters · %3 acts · %4 scenes · %5 speeches</source>
        <translation>&lt;b&gt;%1&lt;/b&gt;&lt;br&gt;%2 personnages · %3 actes · %4 scènes · %5 répliques</translation>
    </message>
    <message>
        <source>Playbook exported to %1.</source>
        <translation>Playbook exporté vers %1.</translation>
    </message>
    <message>
        <source>Could not export the playbook: %1</source>
        <translation>Impossible d'exporter le playbook : %1</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>Source :</translation>
    </message>
    <message>
        <source>next attempt at %1 (in %2)</source>
        <translation>prochaine tentative à %1 (dans %2)</translation>
    </message>
    <message>
        <source>a retry cannot fix this failure</source>
        <translation>une reprise ne corrige pas cet échec</translation>
    </message>
    <message>
        <source>Error (permanent):</source>
        <translation>Erreur (définitive) :</translation>
    </message>
    <message>
        <source>The correction was not stored: %1</source>
        <translation>La correction n'a pas été enregistrée : %1</translation>
    </message>
    <message>
        <source>Correction stored as a new revision of the playbook.</source>
        <translation>Correction enregistrée comme nouvelle révision du playbook.</translation>
    </message>
</context>
<context>
    <name>JobEvent</name>
    <message>
        <source>Enqueued</source>
        <translation>Mise en file</translation>
    </message>
    <message>
        <source>Claimed by a worker</source>
        <translation>Prise par un worker</translation>
    </message>
    <message>
        <source>Reclaimed after lock expiry</source>
        <translation>Reprise après expiration du verrou</translation>
    </message>
    <message>
        <source>Chunk parsed</source>
        <translation>Segment analysé</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Terminée</translation>
    </message>
    <message>
        <source>Retry scheduled</source>
        <translation>Nouvel essai planifié</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Échec</translation>
    </message>
    <message>
        <source>Released to the queue</source>
        <translation>Rendue à la file</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>Mise en pause</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Annulée</translation>
    </message>
    <message>
        <source>Resumed</source>
        <translation>Reprise</translation>
    </message>
    <message>
        <source>Retried by hand</source>
        <translation>Relancée à la main</translation>
    </message>
    <message>
        <source>Pause requested</source>
        <translation>Pause demandée</translation>
    </message>
    <message>
        <source>Cancel requested</source>
        <translation>Annulation demandée</translation>
    </message>
    <message>
        <source>Priority changed</source>
        <translation>Priorité modifiée</translation>
    </message>
</context>
<context>
    <name>JobEventModel</name>
    <message>
        <source>Time</source>
        <translation>Heure</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Événement</translation>
    </message>
    <message>
        <source>Actor</source>
        <translation>Acteur</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <source>chunk %1 of %2</source>
        <translation>segment %1 sur %2</translation>
    </message>
    <message numerus="yes">
        <source>%n speech(es)</source>
        <translation><numerusform>%n réplique</numerusform><numerusform>%n répliques</numerusform></translation>
    </message>
    <message>
        <source>%1 ms</source>
        <translation>%1 ms</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>oui</translation>
    </message>
    <message>
        <source>no</source>
        <translation>non</translation>
    </message>
    <message>
        <source>priority</source>
        <translation>priorité</translation>
    </message>
    <message>
        <source>file</source>
        <translation>fichier</translation>
    </message>
    <message>
        <source>error</source>
        <translation>erreur</translation>
    </message>
    <message>
        <source>retry</source>
        <translation>nouvel essai</translation>
    </message>
    <message>
        <source>next attempt</source>
        <translation>prochain essai</translation>
    </message>
    <message>
        <source>delay (ms)</source>
        <translation>délai (ms)</translation>
    </message>
    <message>
        <source>playbook</source>
        <translation>playbook</translation>
    </message>
    <message>
        <source>reason</source>
        <translation>raison</translation>
    </message>
    <message>
        <source>worker</source>
        <translation>worker</translation>
    </message>
    <message>
        <source>previous worker</source>
        <translation>worker précédent</translation>
    </message>
    <message>
        <source>checkpoint</source>
        <translation>point de reprise</translation>
    </message>
    <message>
        <source>config keys nothing reads</source>
        <translation>clés de configuration ignorées</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1 : %2</translation>
    </message>
    <message>
        <source>chunks %1–%2 of %3</source>
        <translation>segments %1 à %2 sur %3</translation>
    </message>
</context>
<context>
    <name>JobStatus</name>
    <message>
        <source>Queued</source>
        <translation>En file</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>En cours</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>En pause</translation>
    </message>
    <message>
        <source>Retrying</source>
        <translation>Nouvel essai</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>Terminée</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Échouée</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Annulée</translation>
    </message>
</context>
<context>
    <name>JobTableModel</name>
    <message>
        <source>%1 (resuming…)</source>
        <translation>%1 (reprise…)</translation>
    </message>
    <message>
        <source>%1 (retrying…)</source>
        <translation>%1 (relance…)</translation>
    </message>
    <message>
        <source>%1 (changing priority…)</source>
        <translation>%1 (changement de priorité…)</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>Priorité</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Progression</translation>
    </message>
    <message>
        <source>Retries</source>
        <translation>Reprises</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Créée</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Démarrée</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Durée</translation>
    </message>
    <message>
        <source>Last error</source>
        <translation>Dernière erreur</translation>
    </message>
    <message>
        <source>%1
Job %2</source>
        <translation>%1
Tâche %2</translation>
    </message>
    <message>
        <source>%1 / %2 chunks</source>
        <translation>%1 / %2 segments</translation>
    </message>
    <message>
        <source>%1 (pausing…)</source>
        <translation>%1 (mise en pause…)</translation>
    </message>
    <message>
        <source>%1 (cancelling…)</source>
        <translation>%1 (annulation…)</translation>
    </message>
    <message>
        <source>%1 (starting over…)</source>
        <translation>%1 (redémarrage…)</translation>
    </message>
    <message>
        <source>%1
From %2
Job %3</source>
        <translation>%1
Depuis %2
Tâche %3</translation>
    </message>
    <message>
        <source>A retry cannot fix this failure: %1</source>
        <translation>Une reprise ne corrige pas cet échec : %1</translation>
    </message>
    <message>
        <source>Next attempt at %1</source>
        <translation>Prochaine tentative à %1</translation>
    </message>
    <message>
        <source>%1 (removing…)</source>
        <translation>%1 (retrait…)</translation>
    </message>
    <message>
        <source>%1 — next in %2</source>
        <translation>%1 — prochaine dans %2</translation>
    </message>
    <message>
        <source>%1 — due now</source>
        <translation>%1 — imminente</translation>
    </message>
    <message>
        <source>%1 (permanent)</source>
        <translation>%1 (définitif)</translation>
    </message>
    <message>
        <source>confidence %1 %</source>
        <translation>confiance %1 %</translation>
    </message>
    <message numerus="yes">
        <source>%n quality warning(s)</source>
        <translation><numerusform>%n avertissement de qualité</numerusform><numerusform>%n avertissements de qualité</numerusform></translation>
    </message>
    <message>
        <source>Needs review: %1. Open the Playbook tab to check and correct it.</source>
        <translation>À vérifier : %1. Ouvrez l'onglet Playbook pour le contrôler et le corriger.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Round trip: %1 ms</source>
        <translation>Aller-retour : %1 ms</translation>
    </message>
    <message>
        <source>Time the database takes to answer the window (round trip)</source>
        <translation>Temps que met la base de données à répondre à la fenêtre (aller-retour)</translation>
    </message>
    <message>
        <source>%1 — Callboard</source>
        <translation>%1 — Callboard</translation>
    </message>
    <message>
        <source>&lt;b&gt;Status&lt;/b&gt;</source>
        <translation>&lt;b&gt;État&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Workers&lt;/b&gt;</source>
        <translation>&lt;b&gt;Workers&lt;/b&gt;</translation>
    </message>
    <message>
        <source>Filter by file, job or worker…</source>
        <translation>Filtrer par fichier, tâche ou worker…</translation>
    </message>
    <message>
        <source>Enqueuing %v of %m</source>
        <translation>Mise en file : %v sur %m</translation>
    </message>
    <message>
        <source>Stop enqueuing</source>
        <translation>Arrêter la mise en file</translation>
    </message>
    <message>
        <source>Not connected: %1</source>
        <translation>Non connecté : %1</translation>
    </message>
    <message>
        <source>Add Play Files</source>
        <translation>Ajouter des fichiers de pièces</translation>
    </message>
    <message>
        <source>Text files (*.txt *.text *.md);;All files (*)</source>
        <translation>Fichiers texte (*.txt *.text *.md);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <source>Could not open the queue database: %1</source>
        <translation>Impossible d'ouvrir la base de tâches : %1</translation>
    </message>
    <message>
        <source>&amp;Connect to Database…</source>
        <translation>Se &amp;connecter à une base…</translation>
    </message>
    <message>
        <source>Open another queue database (SQLite file or PostgreSQL)</source>
        <translation>Ouvrir une autre base de tâches (fichier SQLite ou PostgreSQL)</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <source>&amp;About Callboard</source>
        <translation>À &amp;propos de Callboard</translation>
    </message>
    <message>
        <source>About Callboard</source>
        <translation>À propos de Callboard</translation>
    </message>
    <message>
        <source>&lt;h3&gt;Callboard %1&lt;/h3&gt;&lt;p&gt;Watches and controls the play-import jobs of Theatre Play Buddy.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;Callboard %1&lt;/h3&gt;&lt;p&gt;Surveille et pilote les tâches d'import de pièces de Theatre Play Buddy.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <source>&amp;Jobs</source>
        <translation>&amp;Tâches</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Aide</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Tâches</translation>
    </message>
    <message>
        <source>All</source>
        <translation>Toutes</translation>
    </message>
    <message>
        <source>All (%1)</source>
        <translation>Toutes (%1)</translation>
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
        <translation><numerusform>%n tâche</numerusform><numerusform>%n tâches</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Enqueuing %n item(s)…</source>
        <translation><numerusform>Mise en file de %n élément…</numerusform><numerusform>Mise en file de %n éléments…</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) enqueued.</source>
        <translation><numerusform>%n fichier mis en file.</numerusform><numerusform>%n fichiers mis en file.</numerusform></translation>
    </message>
    <message>
        <source>Stopped before the end.</source>
        <translation>Arrêté avant la fin.</translation>
    </message>
    <message>
        <source>Enqueue Failed</source>
        <translation>Échec de la mise en file</translation>
    </message>
    <message>
        <source>The queue database refused the files: %1</source>
        <translation>La base de tâches a refusé les fichiers : %1</translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could not be enqueued.</source>
        <translation><numerusform>%n fichier n'a pas pu être mis en file.</numerusform><numerusform>%n fichiers n'ont pas pu être mis en file.</numerusform></translation>
    </message>
    <message>
        <source>• %1 %2</source>
        <translation>• %1 %2</translation>
    </message>
    <message numerus="yes">
        <source>… and %n more.</source>
        <translation><numerusform>… et %n autre.</numerusform><numerusform>… et %n autres.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>%n file(s) could not be enqueued:</source>
        <translation><numerusform>%n fichier n'a pas pu être mis en file :</numerusform><numerusform>%n fichiers n'ont pas pu être mis en file :</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>The other %n file(s) were enqueued.</source>
        <translation><numerusform>L'autre fichier a été mis en file.</numerusform><numerusform>Les %n autres fichiers ont été mis en file.</numerusform></translation>
    </message>
    <message>
        <source>Some Files Were Not Enqueued</source>
        <translation>Certains fichiers n'ont pas été mis en file</translation>
    </message>
    <message>
        <source>Reset Columns</source>
        <translation>Réinitialiser les colonnes</translation>
    </message>
    <message>
        <source>SSL: %1</source>
        <translation>SSL : %1</translation>
    </message>
    <message>
        <source>default (prefer)</source>
        <translation>par défaut (prefer)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Affichage</translation>
    </message>
    <message>
        <source>&amp;Queue Metrics</source>
        <translation>&amp;Métriques de la file</translation>
    </message>
    <message>
        <source>&amp;Activity</source>
        <translation>&amp;Activité</translation>
    </message>
    <message>
        <source>Connection to the queue database lost: %1</source>
        <translation>Connexion à la base de tâches perdue : %1</translation>
    </message>
    <message>
        <source>Prune Finished Jobs</source>
        <translation>Purger les tâches terminées</translation>
    </message>
    <message>
        <source>Delete finished jobs older than (days):</source>
        <translation>Supprimer les tâches terminées plus anciennes que (jours) :</translation>
    </message>
    <message>
        <source>&amp;Prune Finished Jobs…</source>
        <translation>&amp;Purger les tâches terminées…</translation>
    </message>
    <message>
        <source>Delete completed, failed and cancelled jobs older than a number of days, with their events (playbooks are kept)</source>
        <translation>Supprimer les tâches terminées, en échec ou annulées plus anciennes qu'un nombre de jours, avec leurs événements (les playbooks sont conservés)</translation>
    </message>
    <message numerus="yes">
        <source>Pruning finished jobs older than %n day(s)…</source>
        <translation><numerusform>Purge des tâches terminées de plus de %n jour…</numerusform><numerusform>Purge des tâches terminées de plus de %n jours…</numerusform></translation>
    </message>
    <message>
        <source>Could not prune: %1</source>
        <translation>Purge impossible : %1</translation>
    </message>
    <message numerus="yes">
        <source>Pruned %n finished job(s) older than %1 day(s).</source>
        <translation><numerusform>%n tâche terminée de plus de %1 jour(s) supprimée.</numerusform><numerusform>%n tâches terminées de plus de %1 jour(s) supprimées.</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Delete %n finished job(s) (completed, failed or cancelled more than %1 day(s) ago) and their %2 event(s)? This cannot be undone.</source>
        <translation>
            <numerusform>Supprimer %n tâche terminée (achevée, échouée ou annulée il y a plus de %1 jour(s)) et ses %2 événement(s) ? Impossible d’annuler.</numerusform>
            <numerusform>Supprimer %n tâches terminées (achevées, échouées ou annulées il y a plus de %1 jour(s)) et leurs %2 événement(s) ? Impossible d’annuler.</numerusform>
        </translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Supprimer</translation>
    </message>
    <message numerus="yes">
        <source>Their %n playbook(s) are kept unless you tick the box; a kept playbook can no longer be reached from the window.</source>
        <translation>
            <numerusform>Son playbook est conservé si vous ne cochez pas la case ; un playbook conservé n’est plus accessible depuis la fenêtre.</numerusform>
            <numerusform>Leurs %n playbooks sont conservés si vous ne cochez pas la case ; un playbook conservé n’est plus accessible depuis la fenêtre.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Also delete their %n playbook(s)</source>
        <translation><numerusform>Supprimer aussi son playbook</numerusform><numerusform>Supprimer aussi leurs %n playbooks</numerusform></translation>
    </message>
    <message>
        <source>Quit Callboard</source>
        <translation>Quitter Callboard</translation>
    </message>
    <message numerus="yes">
        <source>This window is parsing %n play(s): %1.</source>
        <translation>
            <numerusform>Cette fenêtre analyse %n pièce : %1.</numerusform>
            <numerusform>Cette fenêtre analyse %n pièces : %1.</numerusform>
        </translation>
    </message>
    <message>
        <source>Wait: no new play is started, and Callboard quits when these are done.
Pause: they stop at their next chunk and stay paused until you resume them.
Release: they go back to the queue and go on from their checkpoint when a worker takes them (here the next time Callboard runs, or another worker on this database).</source>
        <translation>Attendre : aucune nouvelle pièce ne commence, et Callboard se ferme quand celles-ci sont finies.
Mettre en pause : elles s’arrêtent au prochain segment et restent en pause jusqu’à leur reprise.
Libérer : elles retournent dans la file et reprennent à leur point de reprise quand un worker les prend (ici au prochain lancement de Callboard, ou un autre worker de cette base).</translation>
    </message>
    <message>
        <source>Wait, Then Quit</source>
        <translation>Attendre, puis quitter</translation>
    </message>
    <message>
        <source>Pause and Quit</source>
        <translation>Mettre en pause et quitter</translation>
    </message>
    <message>
        <source>Release and Quit</source>
        <translation>Libérer et quitter</translation>
    </message>
    <message numerus="yes">
        <source>%n play(s) are waiting in the queue.</source>
        <translation>
            <numerusform>%n pièce attend dans la file.</numerusform>
            <numerusform>%n pièces attendent dans la file.</numerusform>
        </translation>
    </message>
    <message>
        <source>They stay queued: Callboard parses them the next time it runs, or another worker on this database takes them.</source>
        <translation>Elles restent dans la file : Callboard les analysera à son prochain lancement, ou un autre worker de cette base les prendra.</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>Quitter</translation>
    </message>
    <message>
        <source>The queue file %1 cannot be read safely: %2. Callboard stops working on it and opens it again, checking it first.</source>
        <translation>Le fichier de la file %1 ne peut pas être lu sans risque : %2. Callboard cesse d’y travailler et le rouvre après l’avoir vérifié.</translation>
    </message>
    <message numerus="yes">
        <source>Nothing to prune: no finished job is older than %n day(s).</source>
        <translation>
            <numerusform>Rien à purger : aucune tâche terminée n’a plus de %n jour.</numerusform>
            <numerusform>Rien à purger : aucune tâche terminée n’a plus de %n jours.</numerusform>
        </translation>
    </message>
    <message>
        <source>Pruning cancelled: nothing was deleted.</source>
        <translation>Purge annulée : rien n’a été supprimé.</translation>
    </message>
    <message numerus="yes">
        <source>%n playbook(s) deleted with them.</source>
        <translation>
            <numerusform>%n playbook supprimé avec elles.</numerusform>
            <numerusform>%n playbooks supprimés avec elles.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Callboard quits when the %n running play(s) are done.</source>
        <translation>
            <numerusform>Callboard se fermera quand la pièce en cours sera finie.</numerusform>
            <numerusform>Callboard se fermera quand les %n pièces en cours seront finies.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>When Callboard was closed (%1), it paused the %n play(s) it was parsing: %2. Select them and choose Resume to go on from their checkpoint.</source>
        <translation>
            <numerusform>À la fermeture de Callboard (%1), la pièce en cours d’analyse a été mise en pause : %2. Sélectionnez-la et choisissez Reprendre pour continuer depuis son point de reprise.</numerusform>
            <numerusform>À la fermeture de Callboard (%1), les %n pièces en cours d’analyse ont été mises en pause : %2. Sélectionnez-les et choisissez Reprendre pour continuer depuis leur point de reprise.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>When Callboard was closed (%1), the %n play(s) it was parsing went back to the queue (unless they finished first): %2. They go on from their checkpoint when a worker takes them.</source>
        <translation>
            <numerusform>À la fermeture de Callboard (%1), la pièce en cours d’analyse est retournée dans la file (sauf si elle a fini avant) : %2. Elle reprendra à son point de reprise quand un worker la prendra.</numerusform>
            <numerusform>À la fermeture de Callboard (%1), les %n pièces en cours d’analyse sont retournées dans la file (sauf si elles ont fini avant) : %2. Elles reprendront à leur point de reprise quand un worker les prendra.</numerusform>
        </translation>
    </message>
    <message>
        <source>Since Last Time</source>
        <translation>Depuis la dernière fois</translation>
    </message>
    <message>
        <source>&lt;p style='font-size:18pt'&gt;&lt;b&gt;Drop to add plays&lt;/b&gt;&lt;/p&gt;&lt;p&gt;Play files, folders (searched recursively) or text: you choose what to enqueue and how.&lt;/p&gt;</source>
        <translation>&lt;p style='font-size:18pt'&gt;&lt;b&gt;Déposer pour ajouter des pièces&lt;/b&gt;&lt;/p&gt;&lt;p&gt;Fichiers de pièces, dossiers (parcourus récursivement) ou texte : vous choisissez quoi mettre en file, et comment.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>&amp;Paste as Play</source>
        <translation>&amp;Coller comme pièce</translation>
    </message>
    <message>
        <source>Enqueue the text on the clipboard as a play, named after its first line (or the files on it)</source>
        <translation>Mettre en file le texte du presse-papiers comme une pièce, nommée d'après sa première ligne (ou les fichiers qu'il contient)</translation>
    </message>
    <message>
        <source>The pasted text is empty: nothing to enqueue.</source>
        <translation>Le texte collé est vide : rien à mettre en file.</translation>
    </message>
    <message>
        <source>The clipboard holds no text or files to enqueue.</source>
        <translation>Le presse-papiers ne contient ni texte ni fichiers à mettre en file.</translation>
    </message>
    <message numerus="yes">
        <source>Enqueuing %n play(s)…</source>
        <translation><numerusform>Mise en file de %n pièce…</numerusform><numerusform>Mise en file de %n pièces…</numerusform></translation>
    </message>
    <message>
        <source>The queue database refused the plays: %1</source>
        <translation>La base de tâches a refusé les pièces : %1</translation>
    </message>
    <message numerus="yes">
        <source>%n play(s) enqueued.</source>
        <translation><numerusform>%n pièce mise en file.</numerusform><numerusform>%n pièces mises en file.</numerusform></translation>
    </message>
    <message>
        <source>Needs &amp;Review Only</source>
        <translation>Seulement à &amp;vérifier</translation>
    </message>
    <message>
        <source>Show only completed plays whose confidence is under %1 % or that have quality warnings</source>
        <translation>N'afficher que les pièces terminées dont la confiance est inférieure à %1 % ou qui ont des avertissements de qualité</translation>
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
        <translation>Verrou expiré</translation>
    </message>
    <message>
        <source>Many retries</source>
        <translation>Nombreuses reprises</translation>
    </message>
    <message>
        <source>Paused for long</source>
        <translation>En pause depuis longtemps</translation>
    </message>
    <message>
        <source>Queue Metrics</source>
        <translation>Métriques de la file</translation>
    </message>
    <message>
        <source>%1:</source>
        <translation>%1 :</translation>
    </message>
    <message>
        <source>Ready / scheduled:</source>
        <translation>Prêtes / planifiées :</translation>
    </message>
    <message>
        <source>Oldest queued:</source>
        <translation>Plus ancienne en attente :</translation>
    </message>
    <message>
        <source>Completed / failed per min:</source>
        <translation>Terminées / échouées par min :</translation>
    </message>
    <message>
        <source>Failure rate:</source>
        <translation>Taux d'échec :</translation>
    </message>
    <message>
        <source>Retry rate:</source>
        <translation>Taux de reprise :</translation>
    </message>
    <message>
        <source>Wait p50 / p95 / max:</source>
        <translation>Attente p50 / p95 / max :</translation>
    </message>
    <message>
        <source>Run p50 / p95 / max:</source>
        <translation>Exécution p50 / p95 / max :</translation>
    </message>
    <message>
        <source>Updated:</source>
        <translation>Mise à jour :</translation>
    </message>
    <message>
        <source>Last hour</source>
        <translation>Dernière heure</translation>
    </message>
    <message>
        <source>Completed per minute</source>
        <translation>Terminées par minute</translation>
    </message>
    <message>
        <source>Queue depth</source>
        <translation>Profondeur de la file</translation>
    </message>
    <message>
        <source>Minutes</source>
        <translation>Minutes</translation>
    </message>
    <message>
        <source>Stuck job</source>
        <translation>Tâche bloquée</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Raison</translation>
    </message>
    <message>
        <source>Metrics: %1</source>
        <translation>Métriques : %1</translation>
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
        <translation>Cette version ne prend pas en charge le trousseau</translation>
    </message>
</context>
<context>
    <name>PlayScanner</name>
    <message>
        <source>a .%1 data file, not a play</source>
        <translation>un fichier de données .%1, pas une pièce</translation>
    </message>
    <message>
        <source>a .%1 script or program, not a play</source>
        <translation>un script ou programme .%1, pas une pièce</translation>
    </message>
    <message>
        <source>a .%1 file: plays are .txt or .md text</source>
        <translation>un fichier .%1 : les pièces sont du texte .txt ou .md</translation>
    </message>
    <message>
        <source>is empty</source>
        <translation>est vide</translation>
    </message>
    <message>
        <source>pasted text</source>
        <translation>texte collé</translation>
    </message>
    <message>
        <source>is the queue database itself (not read)</source>
        <translation>est la base de tâches elle-même (non lue)</translation>
    </message>
    <message>
        <source>does not exist</source>
        <translation>n'existe pas</translation>
    </message>
    <message>
        <source>is not a regular file</source>
        <translation>n'est pas un fichier ordinaire</translation>
    </message>
    <message>
        <source>a .%1 file, not plain text (not read)</source>
        <translation>un fichier .%1, pas du texte brut (non lu)</translation>
    </message>
    <message>
        <source>is too large (%1 MB, the limit is %2 MB)</source>
        <translation>est trop volumineux (%1 Mo, la limite est %2 Mo)</translation>
    </message>
    <message>
        <source>cannot be read (%1)</source>
        <translation>ne peut pas être lu (%1)</translation>
    </message>
    <message>
        <source>is too large</source>
        <translation>est trop volumineux</translation>
    </message>
    <message>
        <source>is a binary file, not text</source>
        <translation>est un fichier binaire, pas du texte</translation>
    </message>
    <message>
        <source>is not text</source>
        <translation>n'est pas du texte</translation>
    </message>
    <message>
        <source>Latin-1/Windows-1252 text, not UTF-8: tick it to enqueue it converted to UTF-8 (the file is not changed)</source>
        <translation>Texte Latin-1/Windows-1252, pas UTF-8 : cochez-le pour le mettre en file converti en UTF-8 (le fichier n'est pas modifié)</translation>
    </message>
    <message>
        <source>a %1 file, not a play</source>
        <translation>un fichier %1, pas une pièce</translation>
    </message>
</context>
<context>
    <name>PlaybookModel</name>
    <message>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <source>Speeches</source>
        <translation>Répliques</translation>
    </message>
    <message>
        <source>Acts and scenes</source>
        <translation>Actes et scènes</translation>
    </message>
    <message>
        <source>(untitled act %1)</source>
        <translation>(acte %1 sans titre)</translation>
    </message>
    <message>
        <source>(untitled scene %1)</source>
        <translation>(scène %1 sans titre)</translation>
    </message>
    <message>
        <source>Characters (%1)</source>
        <translation>Personnages (%1)</translation>
    </message>
    <message>
        <source>Also printed as: %1</source>
        <translation>Aussi imprimé comme : %1</translation>
    </message>
    <message>
        <source>Not in the playbook's character list</source>
        <translation>Absent de la liste des personnages du playbook</translation>
    </message>
</context>
<context>
    <name>PlaybookReviewPane</name>
    <message>
        <source>Cast member with no speeches: %1</source>
        <translation>Personnage sans réplique : %1</translation>
    </message>
    <message>
        <source>Speaker not in the cast: %1</source>
        <translation>Personnage absent de la distribution : %1</translation>
    </message>
    <message>
        <source>Names differing only in case: %1 / %2</source>
        <translation>Noms qui ne diffèrent que par la casse : %1 / %2</translation>
    </message>
    <message>
        <source>Abbreviated name: %1 (for %2?)</source>
        <translation>Nom abrégé : %1 (pour %2 ?)</translation>
    </message>
    <message>
        <source>Spelling variants, merge? %1 / %2</source>
        <translation>Variantes d'orthographe, fusionner ? %1 / %2</translation>
    </message>
    <message>
        <source>Low-confidence scene: %1</source>
        <translation>Scène de faible confiance : %1</translation>
    </message>
    <message>
        <source>(untitled)</source>
        <translation>(sans titre)</translation>
    </message>
    <message>
        <source>Speeches without a speaker: %1</source>
        <translation>Répliques sans personnage : %1</translation>
    </message>
    <message>
        <source>Rename…</source>
        <translation>Renommer…</translation>
    </message>
    <message>
        <source>Rename a character; the old name stays an alias</source>
        <translation>Renommer un personnage ; l'ancien nom reste un alias</translation>
    </message>
    <message>
        <source>Merge…</source>
        <translation>Fusionner…</translation>
    </message>
    <message>
        <source>Merge one character into another</source>
        <translation>Fusionner un personnage dans un autre</translation>
    </message>
    <message>
        <source>Split…</source>
        <translation>Séparer…</translation>
    </message>
    <message>
        <source>Give some of a character's names (a group's members, a second role) an entry of their own</source>
        <translation>Donner à certains noms d'un personnage (membres d'un groupe, un second rôle) une entrée à part</translation>
    </message>
    <message>
        <source>Move Speech…</source>
        <translation>Déplacer la réplique…</translation>
    </message>
    <message>
        <source>Give the selected speech to another character</source>
        <translation>Attribuer la réplique sélectionnée à un autre personnage</translation>
    </message>
    <message>
        <source>Confidence %1 %</source>
        <translation>Confiance %1 %</translation>
    </message>
    <message>
        <source>Confidence unknown</source>
        <translation>Confiance inconnue</translation>
    </message>
    <message>
        <source> · revision %1 (corrected)</source>
        <translation> · révision %1 (corrigée)</translation>
    </message>
    <message>
        <source> · parser's original</source>
        <translation> · original de l'analyseur</translation>
    </message>
    <message>
        <source> · needs review</source>
        <translation> · à vérifier</translation>
    </message>
    <message>
        <source>Rename Character</source>
        <translation>Renommer le personnage</translation>
    </message>
    <message>
        <source>Character:</source>
        <translation>Personnage :</translation>
    </message>
    <message>
        <source>New name for %1:</source>
        <translation>Nouveau nom pour %1 :</translation>
    </message>
    <message>
        <source>Merge Characters</source>
        <translation>Fusionner des personnages</translation>
    </message>
    <message>
        <source>Merge this character:</source>
        <translation>Fusionner ce personnage :</translation>
    </message>
    <message>
        <source>into:</source>
        <translation>dans :</translation>
    </message>
    <message>
        <source>Split Character</source>
        <translation>Séparer le personnage</translation>
    </message>
    <message>
        <source>The name that belongs to someone else:</source>
        <translation>Le nom qui appartient à quelqu'un d'autre :</translation>
    </message>
    <message>
        <source>Name of the new character:</source>
        <translation>Nom du nouveau personnage :</translation>
    </message>
    <message>
        <source>Move Speech</source>
        <translation>Déplacer la réplique</translation>
    </message>
    <message>
        <source>Give this speech to:</source>
        <translation>Attribuer cette réplique à :</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>File</source>
        <translation>Fichier</translation>
    </message>
    <message>
        <source>%1 File</source>
        <translation>Fichier %1</translation>
    </message>
</context>
<context>
    <name>ReviewBadgeDelegate</name>
    <message>
        <source>Needs review</source>
        <translation>À vérifier</translation>
    </message>
</context>
<context>
    <name>ScriptModel</name>
    <message>
        <source>Speaker</source>
        <translation>Personnage</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Texte</translation>
    </message>
    <message>
        <source>Lines</source>
        <translation>Lignes</translation>
    </message>
    <message>
        <source>(untitled act %1)</source>
        <translation>(acte %1 sans titre)</translation>
    </message>
    <message>
        <source>(untitled scene %1)</source>
        <translation>(scène %1 sans titre)</translation>
    </message>
    <message>
        <source>Low confidence: many of this scene's speeches have unusual labels</source>
        <translation>Faible confiance : beaucoup de répliques de cette scène ont des noms inhabituels</translation>
    </message>
    <message>
        <source>(direction)</source>
        <translation>(didascalie)</translation>
    </message>
    <message>
        <source>Speaker not in the cast: "%1"</source>
        <translation>Personnage absent de la distribution : « %1 »</translation>
    </message>
</context>
<context>
    <name>Session</name>
    <message numerus="yes">
        <source>The queue database has not answered for %n second(s)</source>
        <translation><numerusform>La base de tâches ne répond plus depuis %n seconde</numerusform><numerusform>La base de tâches ne répond plus depuis %n secondes</numerusform></translation>
    </message>
    <message>
        <source>Not connected to the queue database</source>
        <translation>Non connecté à la base de tâches</translation>
    </message>
</context>
<context>
    <name>SessionConnection</name>
    <message>
        <source>The connection to the queue database was lost</source>
        <translation>La connexion à la base de tâches a été perdue</translation>
    </message>
</context>
<context>
    <name>WorkersPanel</name>
    <message>
        <source>0 (monitor only)</source>
        <translation>0 (surveillance seule)</translation>
    </message>
    <message>
        <source>Worker threads this window runs; 0 only watches the queue</source>
        <translation>Threads workers de cette fenêtre ; 0 surveille seulement la file</translation>
    </message>
    <message>
        <source>Worker</source>
        <translation>Worker</translation>
    </message>
    <message>
        <source>Workers here:</source>
        <translation>Workers ici :</translation>
    </message>
    <message>
        <source>This window only watches the queue: it runs no workers</source>
        <translation>Cette fenêtre surveille seulement la file : elle n'exécute aucun worker</translation>
    </message>
    <message>
        <source>idle</source>
        <translation>inactif</translation>
    </message>
    <message>
        <source>State</source>
        <translation>État</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Tâches</translation>
    </message>
    <message>
        <source>Host</source>
        <translation>Hôte</translation>
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
        <translation>Démarrée</translation>
    </message>
    <message>
        <source>Last heartbeat</source>
        <translation>Dernier battement</translation>
    </message>
    <message>
        <source>active</source>
        <translation>actif</translation>
    </message>
    <message>
        <source>lost</source>
        <translation>perdu</translation>
    </message>
    <message>
        <source>%1 (this window)</source>
        <translation>%1 (cette fenêtre)</translation>
    </message>
    <message numerus="yes">
        <source>%1 held, %n worker(s)</source>
        <translation><numerusform>%1 détenue(s), %n worker</numerusform><numerusform>%1 détenue(s), %n workers</numerusform></translation>
    </message>
    <message numerus="yes">
        <source>Its locks last %n second(s) without a heartbeat; a heartbeat every %1 s</source>
        <translation><numerusform>Ses verrous durent %n seconde sans battement ; un battement toutes les %1 s</numerusform><numerusform>Ses verrous durent %n secondes sans battement ; un battement toutes les %1 s</numerusform></translation>
    </message>
    <message>
        <source>No heartbeat within its lock duration: the process is gone or cut off, and its jobs return to the queue</source>
        <translation>Aucun battement pendant la durée de ses verrous : le processus a disparu ou est coupé, et ses tâches retournent dans la file</translation>
    </message>
    <message>
        <source>running</source>
        <translation>en cours</translation>
    </message>
</context>
</TS>