//! Word lists of the demo data set: Brazilian names, cities with their UF and area code, brands.

/// A city as the ERP stores it, with the area code (DDD) its phone numbers carry.
pub(super) struct City {
    pub name: &'static str,
    pub uf: &'static str,
    pub ddd: u32,
}

const fn city(name: &'static str, uf: &'static str, ddd: u32) -> City {
    City { name, uf, ddd }
}

pub(super) const CITIES: &[City] = &[
    city("São Paulo", "SP", 11),
    city("Rio de Janeiro", "RJ", 21),
    city("Belo Horizonte", "MG", 31),
    city("Salvador", "BA", 71),
    city("Fortaleza", "CE", 85),
    city("Recife", "PE", 81),
    city("Porto Alegre", "RS", 51),
    city("Curitiba", "PR", 41),
    city("Brasília", "DF", 61),
    city("Manaus", "AM", 92),
    city("Belém", "PA", 91),
    city("Goiânia", "GO", 62),
    city("Florianópolis", "SC", 48),
    city("São Luís", "MA", 98),
    city("Maceió", "AL", 82),
    city("Natal", "RN", 84),
    city("João Pessoa", "PB", 83),
    city("Teresina", "PI", 86),
    city("Campo Grande", "MS", 67),
    city("Cuiabá", "MT", 65),
    city("Aracaju", "SE", 79),
    city("Vitória", "ES", 27),
    city("Porto Velho", "RO", 69),
    city("Macapá", "AP", 96),
    city("Boa Vista", "RR", 95),
    city("Rio Branco", "AC", 68),
    city("Palmas", "TO", 63),
    city("Campinas", "SP", 19),
    city("Ribeirão Preto", "SP", 16),
    city("Niterói", "RJ", 21),
    city("Uberlândia", "MG", 34),
    city("Juiz de Fora", "MG", 32),
    city("Londrina", "PR", 43),
    city("Joinville", "SC", 47),
    city("Caxias do Sul", "RS", 54),
    city("Feira de Santana", "BA", 75),
];

pub(super) const FIRST_NAMES: &[&str] = &[
    "Ana Júlia",
    "João",
    "José",
    "Maria Eduarda",
    "Luíza",
    "Lúcia",
    "Antônio",
    "Sérgio",
    "Vitória",
    "Letícia",
    "Cauã",
    "Raíssa",
    "Heloísa",
    "Otávio",
    "Fábio",
    "Márcio",
    "Débora",
    "Patrícia",
    "Cecília",
    "Benício",
    "Gustavo",
    "Pedro Henrique",
    "Thaís",
    "Iara",
    "Tainá",
    "Caio",
    "Rafaela",
    "Bruna",
    "Lucas",
    "Gabriel",
    "Enzo",
    "Valentina",
    "Helena",
    "Mônica",
    "Flávia",
    "Rogério",
    "Luana",
    "Kauê",
    "Juliana",
    "Conceição",
    "Raimundo",
    "Francisca",
    "Joaquim",
    "Ísis",
    "Inês",
];

pub(super) const SURNAMES: &[&str] = &[
    "Conceição",
    "Silva",
    "Santos",
    "Oliveira",
    "Souza",
    "Rodrigues",
    "Ferreira",
    "Alves",
    "Pereira",
    "Lima",
    "Gomes",
    "Ribeiro",
    "Carvalho",
    "Araújo",
    "Melo",
    "Barbosa",
    "Cardoso",
    "Gonçalves",
    "Rocha",
    "Magalhães",
    "Simões",
    "Brandão",
    "Falcão",
    "Assunção",
    "Nascimento",
    "Guimarães",
    "Peixoto",
    "Damasceno",
    "Bragança",
    "Leão",
    "Sampaio",
    "Queiroz",
];

/// Influencers with a CNPJ are companies; these make up their trade names.
pub(super) const COMPANY_FORMS: &[&str] = &[
    "Produções Digitais Ltda",
    "Comunicação ME",
    "Conteúdo & Mídia Ltda",
    "Entretenimento Eireli",
    "Criações Audiovisuais Ltda",
];

pub(super) const EMAIL_DOMAINS: &[&str] = &[
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "yahoo.com.br",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
];

pub(super) const BRANDS: &[&str] = &[
    "Natura",
    "O Boticário",
    "Magazine Luiza",
    "Havaianas",
    "Guaraná Antarctica",
    "Nubank",
    "iFood",
    "Mercado Livre",
    "Renner",
    "Riachuelo",
    "Hering",
    "Itaú",
    "Vivo",
    "Sadia",
    "Ypê",
    "Granado",
    "Tramontina",
    "Melissa",
    "Açaí Concept",
    "Pão de Açúcar",
];

pub(super) const THEMES: &[&str] = &[
    "Verão",
    "Carnaval",
    "Dia das Mães",
    "Dia dos Namorados",
    "São João",
    "Volta às Aulas",
    "Black Friday",
    "Natal",
    "Lançamento",
    "Férias de Julho",
];

/// Lower-case ASCII of `text`, keeping letters and digits only: what a handle or e-mail allows.
pub(super) fn ascii_slug(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter_map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' => Some('a'),
            'é' | 'ê' | 'è' | 'ë' => Some('e'),
            'í' | 'ì' | 'î' | 'ï' => Some('i'),
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => Some('o'),
            'ú' | 'ù' | 'û' | 'ü' => Some('u'),
            'ç' => Some('c'),
            c if c.is_ascii_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ascii_slug;

    #[test]
    fn accents_fold_to_ascii_and_spaces_disappear() {
        assert_eq!(ascii_slug("Ana Júlia Conceição"), "anajuliaconceicao");
        assert_eq!(ascii_slug("Conteúdo & Mídia"), "conteudomidia");
    }
}
