"""French labels of the audit log's action codes, for the administrator's journal.

Every code given to :func:`lycee_ia.admin.services.log_action` anywhere in the
code base has its label here (``tests/admin/test_journal_labels.py`` checks it);
the code itself stays in the database, stable and searchable.
"""

from __future__ import annotations

ACTION_LABELS: dict[str, str] = {
    # Accounts
    "user.create": "Compte créé",
    "user.reset_password": "Nouveau mot de passe provisoire",
    "user.activate": "Compte rouvert",
    "user.deactivate": "Compte fermé",
    # Classes
    "class.create": "Classe créée",
    "class.rename": "Classe renommée",
    "class.archive": "Classe archivée",
    "class.unarchive": "Classe sortie des archives",
    "class.add_teacher": "Enseignant ajouté à la classe",
    "class.remove_teacher": "Enseignant retiré de la classe",
    "class.import_roster": "Liste d'élèves importée",
    "class.add_student": "Élève ajouté à la main",
    "class.update_student": "Fiche d'élève modifiée",
    "class.remove_student": "Élève retiré de la classe",
    "class.restore_student": "Retrait d'un élève annulé",
    "class.join": "Élève inscrit avec le code de la classe",
    "class.join_code": "Code de la classe créé",
    "class.revoke_join_code": "Code de la classe révoqué",
    "class.create_group": "Groupe créé",
    "class.group_members": "Membres d'un groupe modifiés",
    "class.delete_group": "Groupe supprimé",
    # Assignments
    "assignment.create": "Module donné à faire",
    "assignment.update": "Travail à faire modifié",
    "assignment.withdraw": "Travail à faire retiré",
    # Laptops and synchronisation
    "sync.enrol": "Ordinateur inscrit pour un élève",
    "sync.withdraw": "Ordinateur retiré par l'élève",
    "sync.revoke": "Ordinateur retiré",
    "sync.allow_re_enrol": "Nouvelle inscription d'un ordinateur autorisée",
    "sync.re_enrol_refused": "Nouvelle inscription d'un ordinateur refusée",
    "sync.import_bundle": "Paquet de traces importé (clé USB)",
    "sync.refused": "Traces refusées à la synchronisation",
}


def action_label(code: str) -> str:
    """The French label of an action code; an unknown code (an older version's) is shown as is."""
    return ACTION_LABELS.get(code, code)
