;;; An example channel for guixml: words that sound like ML but are not.
;;; None of these involves trained weights; guixml must stay quiet.

(define-module (example packages traps)
  #:use-module (guix packages)
  #:use-module (guix download)
  #:use-module (guix build-system font)
  #:use-module (guix build-system copy)
  #:use-module (guix build-system python)
  #:use-module (guix build-system gnu)
  #:use-module ((guix licenses) #:prefix license:))

(define-public font-example-sans
  (package
    (name "font-example-sans")
    (version "2.0")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/fonts/example-sans-"
                           version ".zip"))
       (sha256
        (base32 "1x7whdbd5w8sqyz9xhwqxbqd2zpk4xi2l4j6xrxhnnx1zckl5vhx"))))
    (build-system font-build-system)
    (synopsis "Sans-serif typeface in nine weights")
    (description "Example Sans is a typeface family in nine weights, from
thin to black, with matching italics.")
    (home-page "https://fonts.example.org")
    (license license:silofl1.1)))

(define-public sculpt-assets
  (package
    (name "sculpt-assets")
    (version "1.0")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/sculpt/assets-"
                           version ".tar.gz"))
       (sha256
        (base32 "0xbcf0nn6mnvd3vy1yzrsvzk0vwmhk7pb0mhmf1gq6xbxcn3fwb5"))))
    (build-system copy-build-system)
    (arguments
     (list #:install-plan #~'(("models" "share/sculpt/meshes/"))))
    (synopsis "3D models for the Sculpt editor")
    (description "A collection of 3D models and textures: trees, rocks and
buildings for scenes made with Sculpt.")
    (home-page "https://sculpt.example.org")
    (license license:cc-by4.0)))

(define-public python-chatter
  (package
    (name "python-chatter")
    (version "1.5.0")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/chatter/chatter-"
                           version ".tar.gz"))
       (sha256
        (base32 "1zq7ap5ag2vgblgmqgd0vd5yk6ngql3ydw6d7n7g1a8n9g4gmlvs"))))
    (build-system python-build-system)
    (synopsis "Command-line LLM client")
    (description "Chatter sends your prompts to a large language model
service and prints the answers.  It needs an API key for the service.")
    (home-page "https://chatter.example.org")
    (license license:expat)))

(define-public neurosim
  (package
    (name "neurosim")
    (version "8.2")
    (source
     (origin
       (method url-fetch)
       (uri (string-append "https://files.example.org/neurosim/neurosim-"
                           version ".tar.gz"))
       (sha256
        (base32 "0a0ybqqw2hg2l7p7zvlh4w3dck9iw0yjlm7f4r7qgy7gqk3dh8pr"))))
    (build-system gnu-build-system)
    (synopsis "Simulator for networks of spiking neurons")
    (description "Neurosim simulates biologically detailed neurons and the
synapses between them, with their weights set by the modeller.")
    (home-page "https://neurosim.example.org")
    (license license:gpl2+)))
