"""Readable initial passwords: three short French words and a number.

Easy to copy from a paper slip, long enough to resist guessing online
(about 160^3 * 90, some 2^28, behind login throttling) until the student
chooses their own.
"""

from __future__ import annotations

import secrets

# Short, common, unambiguous words, without accents so that any keyboard types them.
WORDS = (
    "abri arbre avion balle bateau biche bille bol bouton brise cable cadre camion canal carte "
    "castor cerise chaise chat cheval chou citron clou coffre colline corde coton craie crayon "
    "cube dauphin des digue dune ecran encre epi etoile fable farine fenetre figue flamme fleur "
    "foret fraise fusee gare gateau girafe gomme grain grenier guitare hamac herbe hibou ile "
    "jardin jeton joue judo kiwi lac lampe lapin lettre lion livre loup lune lutin magie mangue "
    "marche melon menthe miel moulin mouton mur neige nid noix nuage olive ombre orange ours "
    "page paille panda papier parc perle phare piano pierre pilote plage plume poire pomme pont "
    "port poule prune puits radis raisin renard robot rocher ruche sable sapin savon sel singe "
    "soleil sucre table tapis terre tigre tomate tortue train tulipe usine vague valise vanille "
    "velo vent verre violon voile wagon yaourt zebre"
).split()


def generate_password() -> str:
    words = [secrets.choice(WORDS) for _ in range(3)]
    return "-".join(words) + f"-{secrets.randbelow(90) + 10}"
